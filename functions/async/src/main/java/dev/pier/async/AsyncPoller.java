package dev.pier.async;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Local mode's worker loop: long-polls the queue and runs each message on a virtual thread, at most
 * {@code concurrency} at once, deleting the message when the worker says {@link AsyncWorker.Outcome#ACK}. In AWS an
 * SQS event source mapping does this polling instead and calls {@link AsyncSqsBatch}.
 */
public final class AsyncPoller implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(AsyncPoller.class.getName());
  private static final Duration WAIT = Duration.ofSeconds(1);

  private final AsyncQueue queue;
  private final AsyncWorker worker;
  private final Semaphore slots;
  private final int concurrency;
  private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
  private final Thread loop;
  private volatile boolean running = true;

  public AsyncPoller(AsyncQueue queue, AsyncWorker worker, int concurrency) {
    this.queue = queue;
    this.worker = worker;
    this.concurrency = Math.max(1, concurrency);
    this.slots = new Semaphore(this.concurrency);
    this.loop = Thread.ofPlatform().daemon().name("pier-async-poller").unstarted(this::poll);
  }

  public AsyncPoller start() {
    loop.start();
    return this;
  }

  private void poll() {
    while (running) {
      try {
        slots.acquire();
        int free = 1 + slots.drainPermits();
        var messages = queue.receive(free, WAIT);
        slots.release(free - messages.size());
        for (Message m : messages) {
          workers.execute(() -> {
            try {
              run(m);
            } finally {
              slots.release();
            }
          });
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        if (running) {
          LOG.log(System.Logger.Level.WARNING, "async poller: " + e.getMessage());
          sleep();
        }
      }
    }
  }

  private void run(Message m) {
    try {
      if (worker.handleMessage(m.body()) == AsyncWorker.Outcome.ACK) {
        queue.delete(m.receiptHandle());
      }
    } catch (RuntimeException e) {
      // the message comes back after its visibility timeout; the record says what happened so far
      LOG.log(System.Logger.Level.WARNING, "async prediction " + m.body() + ": " + e.getMessage());
    }
  }

  private void sleep() {
    try {
      Thread.sleep(WAIT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    running = false;
    loop.interrupt();
    workers.shutdown();
    try {
      loop.join(TimeUnit.SECONDS.toMillis(5));
      workers.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
