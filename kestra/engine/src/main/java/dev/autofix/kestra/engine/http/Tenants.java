package dev.autofix.kestra.engine.http;

import io.kestra.core.tenant.TenantService;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.exceptions.HttpStatusException;

/**
 * OSS has one tenant. The routes take it as an optional path segment ({@code /api/v1{/tenant}/…}): a path without
 * one is served as {@code main}, like Kestra 2.0's tenant aliasing; any other tenant is a 400
 * "Tenant must be 'main' for OSS version".
 */
final class Tenants {
    private Tenants() {
    }

    static String check(@Nullable String tenant) {
        if (tenant == null) {
            return TenantService.MAIN_TENANT;
        }
        if (!TenantService.MAIN_TENANT.equals(tenant)) {
            throw new HttpStatusException(HttpStatus.BAD_REQUEST, "Tenant must be '" + TenantService.MAIN_TENANT + "' for OSS version");
        }
        return tenant;
    }
}
