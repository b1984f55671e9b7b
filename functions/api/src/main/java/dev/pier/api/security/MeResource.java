package dev.pier.api.security;

import dev.pier.api.Caller;
import dev.pier.kernel.security.Authorize;
import dev.pier.kernel.security.Grant;
import dev.pier.kernel.security.Permission;
import dev.pier.kernel.security.Principal;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Who the caller is and what it may do: what a client (the console) asks before it offers an action, so it can leave
 * out the buttons the API would refuse. The API still decides each request; this only says what it would decide on
 * permissions (a rule of the action itself, such as not approving one's own version, can still refuse).
 */
@Path("/api/v1/me")
@Tag(name = "Security")
@Produces(MediaType.APPLICATION_JSON)
public class MeResource {
  @Inject Caller caller;

  /** One grant as the caller holds it: {@code role-or-permission:pattern}, its permissions, its model pattern. */
  public record GrantView(String grant, List<String> permissions, String models) {}

  /**
   * The caller: principal, how it signed in, its grants, the platform-wide permissions it holds, and with
   * {@code model} the permissions it holds on that model.
   */
  @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
  public record Me(String principal, String kind, List<GrantView> grants, List<String> platform, String model,
      List<String> permissions) {}

  @Operation(summary = "Who the caller is and what it may do",
      description = "Principal, grants and platform-wide permissions; with ?model=NAME the permissions held on that"
          + " model (read, predict, register, alias, approve, delete). Any caller that may read some model may ask.")
  @GET
  @Authorize(value = Permission.READ, anyModel = true)
  public Me me(@QueryParam("model") String model) {
    Principal p = caller.principal() != null ? caller.principal() : Principal.open();
    List<GrantView> grants = p.grants().stream().map(g -> new GrantView(g.name() + ":" + g.modelPattern(),
        g.permissions().stream().map(Permission::id).sorted().toList(), g.modelPattern())).toList();
    List<String> platform = Arrays.stream(Permission.values()).filter(Permission::platformWide)
        .filter(x -> p.allows(x, null)).map(Permission::id).toList();
    List<String> onModel = model == null || model.isBlank() ? null : Arrays.stream(Permission.values())
        .filter(x -> !x.platformWide()).filter(x -> p.allows(x, model)).map(Permission::id).toList();
    return new Me(p.id(), p.kind().name().toLowerCase(Locale.ROOT), grants, platform,
        onModel == null ? null : model, onModel);
  }
}
