package dev.pier.standin.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link Av#writeItem} (BatchGetItem's streamed answer) writes exactly what {@link Av#itemToJson} builds. */
class AvWriteTest {

    @Test
    void streamedItemEqualsTheTreeForEveryType() throws Exception {
        Map<String, Av> nested = new LinkedHashMap<>();
        nested.put("x", new Av.S("in"));
        nested.put("l", new Av.L(List.of(Av.num("1"), Av.NULL, new Av.Bool(false))));
        Map<String, Av> item = new LinkedHashMap<>();
        item.put("s", new Av.S("a \"quoted\" \\ é 𝄞"));
        item.put("n", Av.num("-0012.500"));
        item.put("big", Av.num("1e125"));
        item.put("b", new Av.B(new Av.Bytes(new byte[] {0, (byte) 200, 3})));
        item.put("t", new Av.Bool(true));
        item.put("nul", Av.NULL);
        item.put("m", new Av.M(nested));
        item.put("empty", new Av.M(new LinkedHashMap<>()));
        item.put("ss", new Av.SS(new LinkedHashSet<>(List.of("b", "a"))));
        item.put("ns", new Av.NS(new LinkedHashSet<>(List.of(new BigDecimal("2.50"), new BigDecimal("1")))));
        item.put("bs", new Av.BS(new LinkedHashSet<>(List.of(new Av.Bytes(new byte[] {9})))));
        StringWriter out = new StringWriter();
        try (JsonGenerator g = Store.MAPPER.getFactory().createGenerator(out)) {
            Av.writeItem(g, item);
        }
        assertThat(out.toString()).isEqualTo(Store.MAPPER.writeValueAsString(Av.itemToJson(item)));
        assertThat(Store.MAPPER.readTree(out.toString())).isEqualTo(Av.itemToJson(item));
    }
}
