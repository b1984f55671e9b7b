package dev.pier.sdk;

/** Where a push writes: Feast's {@code to}. */
public enum PushMode {
  ONLINE("online"), OFFLINE("offline"), ONLINE_AND_OFFLINE("online_and_offline");

  private final String wire;

  PushMode(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }
}
