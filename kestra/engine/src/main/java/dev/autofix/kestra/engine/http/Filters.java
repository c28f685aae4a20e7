package dev.autofix.kestra.engine.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.kestra.core.exceptions.InvalidQueryFiltersException;
import io.kestra.core.models.QueryFilter;

import io.micronaut.http.HttpRequest;

/**
 * Reads Kestra 2.0's {@code filters[field][OP]=value} and {@code filters[labels][OP][key]=value} query
 * parameters into Kestra's {@link QueryFilter}s, as the webserver's binder does for the forms the bot uses
 * (no and/or nesting): IN/NOT_IN values are comma-separated, label filters with the same operation are merged
 * into one map. Unknown fields or operations are a 400 (InvalidQueryFiltersException), as Kestra's own
 * QueryFilter.validateQueryFilters answers a field or operation a resource does not take.
 */
final class Filters {
    private static final Pattern FILTER = Pattern.compile("filters\\[([^\\]]*)]\\[([^\\]]*)](?:\\[(.+)])?");

    private Filters() {
    }

    static List<QueryFilter> from(HttpRequest<?> request) {
        List<QueryFilter> filters = new ArrayList<>();
        Map<QueryFilter.Op, Map<String, String>> labels = new EnumMap<>(QueryFilter.Op.class);
        for (Map.Entry<String, List<String>> param : request.getParameters().asMap().entrySet()) {
            Matcher m = FILTER.matcher(param.getKey());
            if (!m.matches()) {
                continue;
            }
            QueryFilter.Field field;
            QueryFilter.Op op;
            try {
                field = QueryFilter.Field.fromString(m.group(1));
                op = QueryFilter.Op.valueOf(m.group(2));
            } catch (IllegalArgumentException e) {
                throw new InvalidQueryFiltersException("Invalid filter '" + param.getKey() + "': " + e.getMessage());
            }
            String nested = m.group(3);
            if (field == QueryFilter.Field.LABELS && nested != null) {
                labels.computeIfAbsent(op, k -> new LinkedHashMap<>()).put(nested, param.getValue().getFirst());
                continue;
            }
            for (String value : param.getValue()) {
                Object parsed = nested != null ? Map.of(nested, value)
                    : (op == QueryFilter.Op.IN || op == QueryFilter.Op.NOT_IN)
                        ? Arrays.asList(URLDecoder.decode(value, StandardCharsets.UTF_8).replaceAll("[\\[\\]]", "").split(","))
                        : value;
                filters.add(QueryFilter.builder().field(field).operation(op).value(parsed).build());
            }
        }
        labels.forEach((op, map) -> filters.add(QueryFilter.builder().field(QueryFilter.Field.LABELS).operation(op).value(map).build()));
        return filters;
    }
}
