package dev.pier.kernel.security;

import java.util.Locale;

/**
 * What a caller may do. The first six are granted per model (a grant names a model or a wildcard pattern);
 * {@link #KEYS}, {@link #AUDIT}, {@link #PRIVACY}, {@link #METRICS} and the feature store's two concern the whole
 * platform and need a grant on {@code *}.
 */
public enum Permission {
  /** Read metadata: models, versions, aliases, signatures, readiness. */
  READ,
  PREDICT,
  REGISTER,
  /** Move or roll back aliases: deploying a version. */
  ALIAS,
  APPROVE,
  DELETE,
  /** Create, list and revoke API keys. */
  KEYS,
  /** Read the audit trail. */
  AUDIT,
  /** Erase a data subject's records. */
  PRIVACY,
  /** Scrape {@code /q/metrics}, which names every model and its traffic (a key for Prometheus needs only this). */
  METRICS,
  /** Read feature definitions, online features and training data (the feature store concerns the platform). */
  FEATURES_READ,
  /** Apply feature definitions and push feature rows. */
  FEATURES_WRITE;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** True for the permissions that concern the platform rather than one model. */
  public boolean platformWide() {
    return this == KEYS || this == AUDIT || this == PRIVACY || this == METRICS || this == FEATURES_READ
        || this == FEATURES_WRITE;
  }

  public static Permission parse(String id) {
    for (Permission p : values()) {
      if (p.id().equals(id)) {
        return p;
      }
    }
    return null;
  }
}
