package dev.pier.kernel.paging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pier.kernel.PierException;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class PageSizeTest {

  @Test
  void anAbsentPageSizeIsTheDefault() {
    assertThat(PageSize.parse(null).value()).isEqualTo(PageSize.DEFAULT);
    assertThat(PageSize.parse(" ").value()).isEqualTo(100);
  }

  @Test
  void aPageSizeOutsideItsBoundsIsA400NamingTheParameterTheBoundsAndTheValue() {
    for (String bad : List.of("0", "1001", "-3", "ten", "1.5")) {
      assertThatThrownBy(() -> PageSize.parse(bad)).isInstanceOf(PierException.class)
          .hasMessage("max_results must be an integer from 1 to 1000, got '" + bad + "'")
          .extracting(e -> ((PierException) e).status()).isEqualTo(400);
    }
  }

  @Test
  void pagesOfAListingInMemoryFollowEachOtherWithoutRepeatsOrGaps() {
    List<String> all = List.of("a", "b", "c", "d", "e");
    Page<String> first = Page.of(all, null, new PageSize(2), Function.identity());
    Page<String> second = Page.of(all, first.nextPageToken(), new PageSize(2), Function.identity());
    Page<String> last = Page.of(all, second.nextPageToken(), new PageSize(2), Function.identity());

    assertThat(first.items()).containsExactly("a", "b");
    assertThat(second.items()).containsExactly("c", "d");
    assertThat(last.items()).containsExactly("e");
    assertThat(last.nextPageToken()).isNull();
  }

  @Test
  void aPageStartsAfterTheTokensItemEvenWhenItemsWereAddedBeforeIt() {
    Page<String> first = Page.of(List.of("b", "c", "d"), null, new PageSize(1), Function.identity());

    Page<String> next = Page.of(List.of("a", "b", "c", "d"), first.nextPageToken(), new PageSize(1),
        Function.identity());

    assertThat(next.items()).containsExactly("c");
  }

  @Test
  void aTokenWhoseItemIsGoneOrThatNoListingGaveIsA400() {
    String token = Page.of(List.of("a", "b"), null, new PageSize(1), Function.<String>identity()).nextPageToken();

    assertThatThrownBy(() -> Page.of(List.of("b"), token, new PageSize(1), Function.identity()))
        .hasMessageContaining("no longer in this listing");
    assertThatThrownBy(() -> Page.of(List.of("b"), "%%%", new PageSize(1), Function.identity()))
        .hasMessageContaining("page_token is not a token this listing gave");
  }
}
