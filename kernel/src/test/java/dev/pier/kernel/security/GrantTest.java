package dev.pier.kernel.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GrantTest {
  @Test
  void aRoleWithoutPatternCoversEveryModel() {
    Grant g = Grant.parse("predictor");
    assertThat(g.allows(Permission.PREDICT, "iris")).isTrue();
    assertThat(g.allows(Permission.READ, "fraud")).isTrue();
    assertThat(g.allows(Permission.REGISTER, "iris")).isFalse();
  }

  @Test
  void wildcardPatternsMatchOnlyTheirModels() {
    Grant g = Grant.parse("data-scientist:fraud-*");
    assertThat(g.allows(Permission.REGISTER, "fraud-eu")).isTrue();
    assertThat(g.allows(Permission.REGISTER, "fraud-")).isTrue();
    assertThat(g.allows(Permission.REGISTER, "iris")).isFalse();
    assertThat(Grant.matches("*-v*-eu", "fraud-v2-eu")).isTrue();
    assertThat(Grant.matches("*-v*-eu", "fraud-v2-us")).isFalse();
    assertThat(Grant.matches("iris", "iris2")).isFalse();
  }

  @Test
  void aSinglePermissionCanBeGranted() {
    Grant g = Grant.parse("alias:iris");
    assertThat(g.allows(Permission.ALIAS, "iris")).isTrue();
    assertThat(g.allows(Permission.READ, "iris")).isFalse();
  }

  @Test
  void platformPermissionsNeedAGrantOnEveryModel() {
    assertThat(Grant.parse("admin").allows(Permission.KEYS, null)).isTrue();
    assertThat(Grant.parse("admin:fraud-*").allows(Permission.KEYS, null)).isFalse();
    assertThat(Grant.parse("admin:fraud-*").allows(Permission.DELETE, "fraud-1")).isTrue();
  }

  @Test
  void anUnknownRoleIsRefusedNamingTheChoices() {
    assertThatThrownBy(() -> Grant.parse("superuser")).hasMessageContaining("neither a role")
        .hasMessageContaining("data-scientist");
  }
}
