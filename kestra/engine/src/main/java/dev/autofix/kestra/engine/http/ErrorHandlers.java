package dev.autofix.kestra.engine.http;

import java.io.FileNotFoundException;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kestra.core.exceptions.InputOutputValidationException;
import io.kestra.core.exceptions.InvalidQueryFiltersException;
import io.kestra.core.exceptions.ResourceExpiredException;

import io.micronaut.core.convert.exceptions.ConversionErrorException;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import io.micronaut.http.exceptions.HttpStatusException;
import io.micronaut.web.router.exceptions.UnsatisfiedRouteException;
import jakarta.validation.ConstraintViolationException;

/**
 * Kestra 2.0's ErrorController, for the exceptions the stand-in's routes meet: each is answered with Micronaut's
 * JsonError shape (KestraJson.error) and the reason as the message's prefix ("Not Found: …", "Illegal state: …").
 * A route that does not exist, or a controller that returns null, gets the bare "Not Found". Router errors
 * (405, 406, 415) come as HttpStatusException and are answered "<reason>: <detail>" like the others.
 */
@Controller
class ErrorHandlers {
    private static final Logger log = LoggerFactory.getLogger(ErrorHandlers.class);

    private static HttpResponse<byte[]> prefixed(HttpRequest<?> request, Throwable e, HttpStatus status, String reason) {
        if (status == HttpStatus.INTERNAL_SERVER_ERROR) {
            log.error("{} {}: {}", request.getMethodName(), request.getUri(), e.getMessage(), e);
        }
        return KestraJson.error(request, status, reason + (e.getMessage() != null ? ": " + e.getMessage() : ""));
    }

    @Error(global = true, exception = ConstraintViolationException.class)
    HttpResponse<byte[]> constraints(HttpRequest<?> request, ConstraintViolationException e) {
        List<Map<String, Object>> errors = e.getConstraintViolations().stream()
            .map(v -> Map.<String, Object> of("message", v.getMessage(), "path", String.valueOf(v.getPropertyPath())))
            .toList();
        return KestraJson.error(request, HttpStatus.UNPROCESSABLE_ENTITY, "Invalid entity: " + e.getMessage(), errors);
    }

    /** Flow inputs refused by FlowInputOutput: an invalid entity, one error per input. */
    @Error(global = true, exception = InputOutputValidationException.class)
    HttpResponse<byte[]> inputs(HttpRequest<?> request, InputOutputValidationException e) {
        return KestraJson.error(request, HttpStatus.UNPROCESSABLE_ENTITY, "Invalid entity: " + e.getMessage(),
            List.of(Map.of("message", String.valueOf(e.getMessage()))));
    }

    @Error(global = true, exception = IllegalArgumentException.class)
    HttpResponse<byte[]> illegalArgument(HttpRequest<?> request, IllegalArgumentException e) {
        return prefixed(request, e, HttpStatus.UNPROCESSABLE_ENTITY, "Illegal argument");
    }

    @Error(global = true, exception = IllegalStateException.class)
    HttpResponse<byte[]> illegalState(HttpRequest<?> request, IllegalStateException e) {
        return prefixed(request, e, HttpStatus.CONFLICT, "Illegal state");
    }

    @Error(global = true, exception = InvalidQueryFiltersException.class)
    HttpResponse<byte[]> invalidFilters(HttpRequest<?> request, InvalidQueryFiltersException e) {
        return prefixed(request, e, HttpStatus.BAD_REQUEST, "Bad Request");
    }

    @Error(global = true, exception = NoSuchElementException.class)
    HttpResponse<byte[]> noSuchElement(HttpRequest<?> request, NoSuchElementException e) {
        return prefixed(request, e, HttpStatus.NOT_FOUND, "Not Found");
    }

    @Error(global = true, exception = FileNotFoundException.class)
    HttpResponse<byte[]> fileNotFound(HttpRequest<?> request, FileNotFoundException e) {
        return prefixed(request, e, HttpStatus.NOT_FOUND, "Not Found");
    }

    @Error(global = true, exception = ResourceExpiredException.class)
    HttpResponse<byte[]> expired(HttpRequest<?> request, ResourceExpiredException e) {
        return prefixed(request, e, HttpStatus.GONE, "Resource has expired");
    }

    /** A missing or unconvertible query value, header or body (Micronaut's router). */
    @Error(global = true, exception = UnsatisfiedRouteException.class)
    HttpResponse<byte[]> unsatisfied(HttpRequest<?> request, UnsatisfiedRouteException e) {
        return prefixed(request, e, HttpStatus.BAD_REQUEST, "Bad Request");
    }

    @Error(global = true, exception = ConversionErrorException.class)
    HttpResponse<byte[]> conversion(HttpRequest<?> request, ConversionErrorException e) {
        return prefixed(request, e, HttpStatus.BAD_REQUEST, "Bad Request");
    }

    /** Router errors (405, 406, 415) and statuses the stand-in raises itself (a tenant other than main: 400). */
    @Error(global = true, exception = HttpStatusException.class)
    HttpResponse<byte[]> status(HttpRequest<?> request, HttpStatusException e) {
        return prefixed(request, e, e.getStatus(), e.getStatus().getReason());
    }

    /** No route, or a controller that answered null. */
    @Error(global = true, status = HttpStatus.NOT_FOUND)
    HttpResponse<byte[]> notFound(HttpRequest<?> request) {
        return KestraJson.error(request, HttpStatus.NOT_FOUND, "Not Found");
    }

    @Error(global = true, exception = Throwable.class)
    HttpResponse<byte[]> internal(HttpRequest<?> request, Throwable e) {
        return prefixed(request, e, HttpStatus.INTERNAL_SERVER_ERROR, "Internal server error");
    }
}
