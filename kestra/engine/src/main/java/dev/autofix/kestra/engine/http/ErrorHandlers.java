package dev.autofix.kestra.engine.http;

import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

import io.kestra.core.exceptions.InputOutputValidationException;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import jakarta.validation.ConstraintViolationException;

/**
 * Maps Kestra's exceptions to the statuses its webserver uses: invalid inputs and arguments 422, unknown items
 * 404, states that forbid an action 409, a wrong tenant 400. Content negotiation errors (406, 415) stay Micronaut's.
 */
@Controller
class ErrorHandlers {
    @Error(global = true, exception = InputOutputValidationException.class)
    HttpResponse<byte[]> inputs(HttpRequest<?> request, InputOutputValidationException e) {
        return KestraJson.error(HttpStatus.UNPROCESSABLE_ENTITY, "Invalid entity: " + e.getMessage(),
            List.of(Map.of("message", String.valueOf(e.getMessage()))));
    }

    @Error(global = true, exception = ConstraintViolationException.class)
    HttpResponse<byte[]> constraints(HttpRequest<?> request, ConstraintViolationException e) {
        List<Map<String, Object>> errors = e.getConstraintViolations().stream()
            .map(v -> Map.<String, Object> of("message", v.getMessage(), "path", String.valueOf(v.getPropertyPath())))
            .toList();
        return KestraJson.error(HttpStatus.UNPROCESSABLE_ENTITY, "Invalid entity: " + e.getMessage(), errors);
    }

    @Error(global = true, exception = IllegalArgumentException.class)
    HttpResponse<byte[]> illegalArgument(HttpRequest<?> request, IllegalArgumentException e) {
        return KestraJson.error(HttpStatus.UNPROCESSABLE_ENTITY, "Illegal argument: " + e.getMessage());
    }

    @Error(global = true, exception = IllegalStateException.class)
    HttpResponse<byte[]> illegalState(HttpRequest<?> request, IllegalStateException e) {
        return KestraJson.error(HttpStatus.CONFLICT, "Illegal state: " + e.getMessage());
    }

    @Error(global = true, exception = NoSuchElementException.class)
    HttpResponse<byte[]> notFound(HttpRequest<?> request, NoSuchElementException e) {
        return KestraJson.error(HttpStatus.NOT_FOUND, "Not Found: " + e.getMessage());
    }

    @Error(global = true, exception = Tenants.TenantException.class)
    HttpResponse<byte[]> tenant(HttpRequest<?> request, Tenants.TenantException e) {
        return KestraJson.error(HttpStatus.BAD_REQUEST, e.getMessage());
    }
}
