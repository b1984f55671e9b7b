package dev.pier.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChunkPlannerTest {
  @Test
  void parquetChunksJoinWholeRowGroupsUntilTheyHoldChunkRows() {
    var plan = ChunkPlanner.planParquet(List.of(100L, 100L, 50L, 300L, 10L), 150);

    assertThat(plan.rows()).isEqualTo(560);
    assertThat(plan.chunks()).containsExactly(
        new ChunkPlanner.Chunk(0, 0, 2, 1, 200),
        new ChunkPlanner.Chunk(1, 2, 4, 201, 350),
        new ChunkPlanner.Chunk(2, 4, 5, 551, 10));
  }

  @Test
  void emptyRowGroupsMakeNoChunks() {
    assertThat(ChunkPlanner.planParquet(List.of(0L, 0L), 10).chunks()).isEmpty();
    assertThat(ChunkPlanner.planParquet(List.of(), 10).rows()).isZero();
  }
}
