package dev.pier.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.experiments.flags.FlagChange;
import dev.pier.experiments.flags.Flags;
import dev.pier.experiments.store.ExperimentStore;
import dev.pier.experiments.store.ExperimentsTable;
import dev.pier.kernel.PierException;
import dev.pier.kernel.aws.AwsClients;
import dev.pier.kernel.aws.AwsClients.AwsSettings;
import dev.pier.local.LocalAws;
import dev.pier.registry.ArtifactStore;
import dev.pier.registry.ModelRegistry;
import dev.pier.registry.RegistryEvent;
import dev.pier.registry.RegistryListener;
import dev.pier.registry.RegistryTable;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A flag experiment's automatic decisions applied to the flag, like a model experiment's to the alias: a winner
 * becomes the flag's default (a conditional write with an entry in the flag's audit history, and a registry event),
 * and a breached guardrail stops the experiment and returns the default to control's variant. Against the DynamoDB
 * stand-in through the real SDK.
 */
class FlagRolloutTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TABLE = "experiments";
  @TempDir static Path dataDir;
  private static LocalAws aws;
  private static AwsClients clients;
  private static Flags flags;
  private static Experiments experiments;
  private static final List<RegistryEvent> events = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    aws = LocalAws.start(dataDir.resolve("aws"));
    clients = new AwsClients(new AwsSettings(aws.region(), aws.dynamoDbEndpoint(), aws.s3Endpoint(),
        aws.accessKeyId(), aws.secretAccessKey()));
    RegistryTable.createIfMissing(clients.dynamoDb(), "registry");
    ArtifactStore artifacts = new ArtifactStore(clients.s3(), "artifacts");
    artifacts.createBucketIfMissing();
    ModelRegistry registry = new ModelRegistry(clients.dynamoDb(), "registry", artifacts);
    registry.addListener(new RegistryListener() {
      @Override
      public void changed(RegistryEvent event) {
        events.add(event);
      }
    });
    ExperimentsTable.createIfMissing(clients.dynamoDb(), TABLE);
    flags = new Flags(clients.dynamoDb(), TABLE, Clock.systemUTC());
    experiments = new Experiments(new ExperimentStore(clients.dynamoDb(), TABLE), new RegistryCatalog(registry),
        Clock.systemUTC(), ModelTraffic.NONE, flags);
  }

  @AfterAll
  static void stop() {
    clients.close();
    aws.close();
  }

  /** A boolean flag serving {@code fallback} by default, "on" to Belgium. */
  private static String flag(String fallback) throws Exception {
    String key = "checkout-" + UUID.randomUUID().toString().substring(0, 8);
    flags.create(JSON.readTree("""
        {"key": "KEY", "type": "boolean", "variants": {"on": true, "off": false},
         "rules": [{"conditions": [{"attribute": "country", "operator": "equals", "value": "BE"}],
                    "serve": {"variant": "on"}}],
         "default": {"variant": "DEFAULT"}}""".replace("KEY", key).replace("DEFAULT", fallback)));
    return key;
  }

  /**
   * A running experiment on the flag (control "off", treatment "on") with automatic promotion, 1,000 units per arm,
   * conversions 10% / 20%, errors 2% / {@code treatmentErrors}.
   */
  private static String run(String key, double treatmentErrors) throws Exception {
    ObjectNode body = (ObjectNode) JSON.readTree("""
        {"name": "checkout on", "flag": "FLAG",
         "arms": [{"name": "control", "variant": "off", "weight": 0.5}, {"name": "treatment", "variant": "on", "weight": 0.5}],
         "metrics": {"primary": {"name": "conversion", "type": "binary"},
                     "guardrails": [{"name": "errors", "type": "binary", "max_relative_harm": 0.05}]},
         "design": {"alpha": 0.05, "power": 0.8, "mde": 0.05, "baseline": 0.1, "daily_units": 20000},
         "analysis": "sequential", "auto": {"promote": true, "min_days": 0, "min_units_per_arm": 500}}
        """.replace("FLAG", key));
    String id = experiments.start(experiments.create(body).id()).id();
    experiments.exposures(id, items(0, 1_000, "arm", "control"));
    experiments.exposures(id, items(10_000, 11_000, "arm", "treatment"));
    experiments.events(items(0, 100, "metric", "conversion"));
    experiments.events(items(10_000, 10_200, "metric", "conversion"));
    experiments.events(items(0, 20, "metric", "errors"));
    experiments.events(items(10_000, 10_000 + (int) (1_000 * treatmentErrors), "metric", "errors"));
    return id;
  }

  private static JsonNode items(int from, int to, String field, String value) {
    ObjectNode body = JSON.createObjectNode();
    ArrayNode items = body.putArray("items");
    for (int i = from; i < to; i++) {
      items.addObject().put("unit", "u" + i).put(field, value).put("timestamp",
          Instant.parse(field.equals("arm") ? "2026-12-06T10:00:00Z" : "2026-12-06T11:00:00Z").toEpochMilli());
    }
    return body;
  }

  private static boolean on(String key, String country) {
    ObjectNode ctx = JSON.createObjectNode().put("targeting_key", "someone");
    ctx.putObject("attributes").put("country", country);
    return flags.evaluate(key, ctx).value().asBoolean();
  }

  @Test
  void aWinnerBecomesTheFlagsDefaultWithAnAuditEntryAndARegistryEvent() throws Exception {
    String key = flag("off");
    assertThat(on(key, "NL")).isFalse();
    String id = run(key, 0.02);
    Decision d = experiments.analyze(id);

    assertThat(d.action()).isEqualTo(Decision.Action.PROMOTE);
    assertThat(d.applied()).isTrue();
    assertThat(d.note()).contains("flag '" + key + "' serves variant 'on' by default (revision 2)");
    assertThat(experiments.get(id).state()).isEqualTo(ExperimentState.STOPPED);
    assertThat(flags.get(key).fallthrough().variant()).isEqualTo("on");
    assertThat(flags.get(key).rules()).hasSize(1); // the targeting rules stay as they were
    assertThat(on(key, "NL")).as("a unit no rule matches gets the winner").isTrue();
    assertThat(flags.history(key)).containsExactly(new FlagChange(key, 2, flags.history(key).get(0).at(),
        "experiment:" + id, "default.set", "variant:off", "variant:on",
        "winner of experiment " + id + " (arm 'treatment')"));
    assertThat(events).anySatisfy(e -> {
      assertThat(e.type()).isEqualTo("flag.rolled_out");
      assertThat(e.actor()).isEqualTo("experiment:" + id);
      assertThat(e.detail()).containsEntry("flag", key).containsEntry("variant", "on").containsEntry("arm", "treatment");
    });
    // the analysis is not applied twice: the experiment is stopped, the flag stays at revision 2
    assertThat(experiments.analyze(id)).isNull();
    assertThat(flags.get(key).revision()).isEqualTo(2);

    // a person's change is in the history too, newest first, and a stale revision is a 409 that changes nothing
    ObjectNode change = (ObjectNode) JSON.readTree("""
        {"type": "boolean", "variants": {"on": true, "off": false}, "default": {"variant": "off"}, "revision": 2}""");
    flags.update(key, change, "alice");
    assertThat(flags.history(key)).extracting(c -> c.revision() + " " + c.actor() + " " + c.action() + " " + c.to())
        .containsExactly("3 alice flag.updated variant:off", "2 experiment:" + id + " default.set variant:on");
    PierException stale = (PierException) org.assertj.core.api.Assertions.catchThrowable(
        () -> flags.update(key, change, "bob"));
    assertThat(stale.status()).isEqualTo(409);
    assertThat(flags.history(key)).hasSize(2);
  }

  @Test
  void aBreachedGuardrailStopsTheExperimentAndReturnsTheFlagsDefaultToControl() throws Exception {
    String key = flag("on"); // the treatment variant already served by default: a rollout gone too far
    String id = run(key, 0.10);
    Decision d = experiments.analyze(id);

    assertThat(d.action()).isEqualTo(Decision.Action.STOP_GUARDRAIL);
    assertThat(d.applied()).isTrue();
    assertThat(d.note()).contains("flag '" + key + "' serves control's variant 'off' by default");
    assertThat(experiments.get(id).state()).isEqualTo(ExperimentState.STOPPED);
    assertThat(flags.get(key).fallthrough().variant()).isEqualTo("off");
    assertThat(on(key, "NL")).isFalse();
    assertThat(flags.history(key)).singleElement().satisfies(c -> {
      assertThat(c.actor()).isEqualTo("experiment:" + id);
      assertThat(c.from() + " → " + c.to()).isEqualTo("variant:on → variant:off");
      assertThat(c.reason()).isEqualTo("guardrail breached in experiment " + id);
    });
    assertThat(events).anySatisfy(e -> assertThat(e.type() + " " + e.detail().get("flag")).isEqualTo(
        "flag.rolled_back " + key));
  }
}
