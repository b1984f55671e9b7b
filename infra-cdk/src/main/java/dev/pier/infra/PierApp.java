package dev.pier.infra;

import software.amazon.awscdk.App;

/**
 * Entry point of {@code cdk synth/deploy} (see {@code cdk.json}): reads {@link PierConfig} from context and the
 * environment, builds {@link PierStacks} and writes the cloud assembly.
 */
public final class PierApp {
  private PierApp() {}

  public static void main(String[] args) {
    App app = new App();
    PierConfig config = PierConfig.from(app.getNode());
    if (!config.apiZip().toFile().isFile()) {
      System.err.println("pier: no API Lambda zip at " + config.apiZip().toAbsolutePath()
          + "; build it with ../pier lambda or point context apiZip at one");
      System.exit(1);
    }
    if (!config.batchWorkerZip().toFile().isFile()) {
      System.err.println("pier: no batch worker Lambda zip at " + config.batchWorkerZip().toAbsolutePath()
          + "; build it with ../pier lambda or point context batchWorkerZip at one");
      System.exit(1);
    }
    PierStacks.create(app, config);
    app.synth();
  }
}
