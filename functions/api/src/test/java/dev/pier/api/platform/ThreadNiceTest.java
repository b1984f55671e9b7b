package dev.pier.api.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ThreadNiceTest {

  /** The calling thread's nice value (field 19 of /proc/thread-self/stat). */
  private static int niceOfThisThread() throws Exception {
    String stat = Files.readString(Path.of("/proc/thread-self/stat"));
    return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
  }

  private static int[] onFreshThread(ThreadNice nice) throws Exception {
    AtomicReference<int[]> seen = new AtomicReference<>();
    AtomicReference<Exception> failed = new AtomicReference<>();
    Thread t = new Thread(() -> {
      try {
        int before = niceOfThisThread();
        nice.lowerCurrentThread();
        int once = niceOfThisThread();
        nice.lowerCurrentThread(); // a second call on the same thread changes nothing
        seen.set(new int[] {before, once, niceOfThisThread()});
      } catch (Exception e) {
        failed.set(e);
      }
    });
    t.start();
    t.join();
    if (failed.get() != null) {
      throw failed.get();
    }
    return seen.get();
  }

  @Test
  void lowersTheCallingThreadOnceAndNoOtherThread() throws Exception {
    assumeTrue(Files.exists(Path.of("/proc/thread-self/stat")), "Linux only");
    ThreadNice nice = ThreadNice.of(5);
    assertThat(nice.active()).isTrue();
    int mine = niceOfThisThread();
    int[] seen = onFreshThread(nice);
    assertThat(seen[1]).isEqualTo(Math.min(19, seen[0] + 5));
    assertThat(seen[2]).isEqualTo(seen[1]);
    assertThat(niceOfThisThread()).as("the test's own thread is untouched").isEqualTo(mine);
  }

  @Test
  void neverBeyondNineteen() throws Exception {
    assumeTrue(Files.exists(Path.of("/proc/thread-self/stat")), "Linux only");
    int[] seen = onFreshThread(ThreadNice.of(19));
    assertThat(seen[1]).isEqualTo(19);
  }

  @Test
  void zeroLeavesThreadsAloneAndOutOfRangeIsRefused() throws Exception {
    assertThat(ThreadNice.of(0).active()).isFalse();
    if (Files.exists(Path.of("/proc/thread-self/stat"))) {
      int[] seen = onFreshThread(ThreadNice.of(0));
      assertThat(seen[1]).isEqualTo(seen[0]);
    }
    assertThatThrownBy(() -> ThreadNice.of(20)).hasMessageContaining("between 0 and 19");
    assertThatThrownBy(() -> ThreadNice.of(-1)).hasMessageContaining("between 0 and 19");
  }
}
