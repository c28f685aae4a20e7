package dev.autofix.kestra.engine;

import java.nio.file.Path;

/** Command-line options of the launcher. */
record Options(
    Path flows,
    Integer port,
    Path data,
    int workerThreads,
    String username,
    String password,
    Path dumpFlowSchema) {

    static final String USAGE = """
        usage: kestra-engine --flows DIR [--port N] [--data DIR] [--worker-threads N] [--username EMAIL] [--password PW]
               kestra-engine --dump-flow-schema FILE""";

    /** Basic-auth defaults, valid by Kestra's rules (an e-mail; 8+ characters with upper, lower case and a digit). */
    static final String DEFAULT_USERNAME = "admin@kestra.io";
    static final String DEFAULT_PASSWORD = "Kestra2026";

    static Options parse(String[] args) {
        Path flows = null;
        Integer port = null;
        Path data = null;
        int threads = 4;
        String username = DEFAULT_USERNAME;
        String password = DEFAULT_PASSWORD;
        Path schema = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (arg) {
                case "--flows" -> flows = Path.of(require(arg, value)).toAbsolutePath();
                case "--port" -> port = Integer.parseInt(require(arg, value));
                case "--data" -> data = Path.of(require(arg, value)).toAbsolutePath();
                case "--worker-threads" -> threads = Integer.parseInt(require(arg, value));
                case "--username" -> username = require(arg, value);
                case "--password" -> password = require(arg, value);
                case "--dump-flow-schema" -> schema = Path.of(require(arg, value)).toAbsolutePath();
                default -> throw new IllegalArgumentException("unknown argument " + arg);
            }
            i++;
        }
        if (schema == null && flows == null) {
            throw new IllegalArgumentException("--flows DIR is required");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("--worker-threads must be at least 1");
        }
        return new Options(flows, port, data, threads, username, password, schema);
    }

    private static String require(String name, String value) {
        if (value == null || value.startsWith("--")) {
            throw new IllegalArgumentException(name + " needs a value");
        }
        return value;
    }
}
