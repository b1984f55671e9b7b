package dev.pier.kernel.paging;

import dev.pier.kernel.PierException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

/**
 * One page of a listing; {@code nextPageToken} is null on the last page. The token is opaque to callers: they send
 * it back as {@code page_token} for the next page.
 */
public record Page<T>(List<T> items, String nextPageToken) {
  public Page {
    items = List.copyOf(items);
  }

  /**
   * A page of a listing held in memory (a store read whole, filtered to what the caller may see), in its order:
   * the page starts after the item whose {@code key} the token names, so items added or removed elsewhere in the
   * listing neither repeat nor skip one. A token whose item is gone, or that this listing never gave, is a 400.
   *
   * @param pageToken the caller's {@code page_token}, null for the first page
   */
  public static <T> Page<T> of(List<T> all, String pageToken, PageSize size, Function<T, String> key) {
    int from = 0;
    if (pageToken != null && !pageToken.isEmpty()) {
      String after = decode(pageToken);
      from = -1;
      for (int i = 0; i < all.size() && from < 0; i++) {
        if (key.apply(all.get(i)).equals(after)) {
          from = i + 1;
        }
      }
      if (from < 0) {
        throw PierException.badRequest("page_token names an item no longer in this listing; list again without it");
      }
    }
    int to = Math.min(all.size(), from + size.value());
    String next = to < all.size() ? encode(key.apply(all.get(to - 1))) : null;
    return new Page<>(all.subList(from, to), next);
  }

  private static String encode(String key) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.UTF_8));
  }

  private static String decode(String token) {
    try {
      return new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw PierException.badRequest("page_token is not a token this listing gave: '" + token + "'");
    }
  }
}
