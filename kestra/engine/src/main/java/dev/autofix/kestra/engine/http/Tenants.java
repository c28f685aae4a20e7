package dev.autofix.kestra.engine.http;

import io.kestra.core.tenant.TenantService;

/** OSS has one tenant: any other gets a 400 like Kestra. */
final class Tenants {
    private Tenants() {
    }

    static void check(String tenant) {
        if (!TenantService.MAIN_TENANT.equals(tenant)) {
            throw new TenantException("Tenant '" + tenant + "' is not allowed: OSS has only the '" + TenantService.MAIN_TENANT + "' tenant");
        }
    }

    static final class TenantException extends RuntimeException {
        TenantException(String message) {
            super(message);
        }
    }
}
