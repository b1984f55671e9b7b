package dev.pier.registry.events;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pier.registry.RegistryEvent;

/** The JSON of a registry event, as webhooks and EventBridge receive it. */
public final class RegistryEventJson {
  private RegistryEventJson() {}

  public static ObjectNode write(RegistryEvent e) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("type", e.type());
    o.put("model", e.model());
    if (e.version() > 0) {
      o.put("version", e.version());
    }
    if (e.alias() != null) {
      o.put("alias", e.alias());
    }
    o.put("actor", e.actor());
    o.put("at", e.at().toString());
    ObjectNode detail = o.putObject("detail");
    e.detail().forEach(detail::put);
    return o;
  }
}
