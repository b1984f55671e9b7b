package dev.pier.security.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PiiMaskerTest {
  @Test
  void masksEmailAddresses() {
    assertThat(PiiMasker.mask("user jane.doe+x@mail.example.co.uk asked")).isEqualTo("user [EMAIL] asked");
  }

  @Test
  void masksCardNumbersThatPassTheLuhnCheckOnly() {
    assertThat(PiiMasker.mask("card 4111 1111 1111 1111 ok")).isEqualTo("card [CARD] ok");
    assertThat(PiiMasker.mask("card 4111-1111-1111-1111")).isEqualTo("card [CARD]");
    assertThat(PiiMasker.mask("order 4111111111111112")).isEqualTo("order 4111111111111112");
    assertThat(PiiMasker.mask("{\"card\":\"4111111111111111\"}")).isEqualTo("{\"card\":\"[CARD]\"}");
  }

  @Test
  void leavesDigitRunsInsideHexDigestsAlone() {
    // a SHA-256 whose digits include a Luhn-valid run of 13 (seen masking an erasure's subject_hash in the audit log)
    String hash = "c54a6b96aeb9406556263630bf2e88862fdc524d516e7666b016a19dd919c815";
    assertThat(PiiMasker.luhnValid("9406556263630")).isTrue();
    assertThat(PiiMasker.mask("subject_hash " + hash)).isEqualTo("subject_hash " + hash);
  }

  @Test
  void masksValidIbansOnly() {
    assertThat(PiiMasker.mask("pay DE89 3704 0044 0532 0130 00 now")).isEqualTo("pay [IBAN] now");
    assertThat(PiiMasker.mask("GB82WEST12345698765432")).isEqualTo("[IBAN]");
    assertThat(PiiMasker.mask("GB00WEST12345698765432")).doesNotContain("[IBAN]");
  }

  @Test
  void masksNationalIds() {
    assertThat(PiiMasker.mask("ssn 078-05-1120")).isEqualTo("ssn [NATIONAL-ID]");
    assertThat(PiiMasker.mask("nino AB 12 34 56 C")).isEqualTo("nino [NATIONAL-ID]");
  }

  @Test
  void masksPhoneNumbers() {
    assertThat(PiiMasker.mask("call +44 20 7946 0958")).isEqualTo("call [PHONE]");
    assertThat(PiiMasker.mask("call +1-202-555-0143.")).isEqualTo("call [PHONE].");
    assertThat(PiiMasker.mask("call (202) 555-0143")).isEqualTo("call [PHONE]");
  }

  @Test
  void leavesTensorDataTimestampsAndIdsAlone() {
    String text = "{\"data\":[5.1,3.5,1.4,0.2,0.9911197,0.008880265,3.3346317E-10],\"at\":\"2026-11-26T10:15:30.123Z\","
        + "\"id\":\"1764201600000-3f2a\",\"version\":12,\"sha256\":\"9f86d081884c7d659a2feaa0c55ad015\"}";
    assertThat(PiiMasker.mask(text)).isEqualTo(text);
  }
}
