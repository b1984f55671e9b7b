package dev.pier.standin.dynamodb;

import java.nio.file.Path;

/**
 * Runs a stand-in in its own JVM for the SIGKILL test ({@code <dataDir> <accessKeyId> <secretAccessKey>}): prints the
 * port, then serves until killed.
 */
public final class StandInMain {
    private StandInMain() {}

    public static void main(String[] args) throws Exception {
        LocalDynamoDb db = LocalDynamoDb.builder().dataDir(Path.of(args[0])).credentials(args[1], args[2]).build().start();
        System.out.println("PORT " + db.port());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
