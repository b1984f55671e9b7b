package dev.pier.features;

/** Feast's field statuses for an online read. */
public enum FeatureStatus {
  /** A value within the view's ttl. */
  PRESENT,
  /** The online store holds nothing for this entity key. */
  NOT_FOUND,
  /** The entity key is there but this feature's value is null. */
  NULL_VALUE,
  /** The stored value's event time is older than now − the view's ttl; its value is given as null. */
  OUTSIDE_MAX_AGE
}
