package dev.autofix.kestra.engine.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

import org.reactivestreams.Publisher;

import io.micronaut.context.annotation.Value;
import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Filter;
import io.micronaut.http.filter.HttpServerFilter;
import io.micronaut.http.filter.ServerFilterChain;

/**
 * Basic auth like Kestra OSS: every /api/** call needs the configured e-mail and password, except the open
 * URLs (GET /api/v1/configs, which answers without credentials). A refusal is 401 with WWW-Authenticate.
 */
@Filter("/api/**")
public class BasicAuthFilter implements HttpServerFilter {
    private final byte[] expected;

    public BasicAuthFilter(@Value("${kestra.server.basic-auth.username}") String username,
        @Value("${kestra.server.basic-auth.password}") String password) {
        this.expected = ("Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8)))
            .getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Publisher<MutableHttpResponse<?>> doFilter(HttpRequest<?> request, ServerFilterChain chain) {
        if ("/api/v1/configs".equals(request.getPath())) {
            return chain.proceed(request);
        }
        String header = request.getHeaders().getAuthorization().orElse("");
        if (MessageDigest.isEqual(expected, header.getBytes(StandardCharsets.UTF_8))) {
            return chain.proceed(request);
        }
        MutableHttpResponse<?> refused = KestraJson.error(HttpStatus.UNAUTHORIZED, "Unauthorized")
            .header("WWW-Authenticate", "Basic realm=\"Kestra\"");
        return Publishers.just(refused);
    }
}
