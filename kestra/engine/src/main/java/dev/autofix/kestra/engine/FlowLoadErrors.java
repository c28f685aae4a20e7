package dev.autofix.kestra.engine;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;

import io.kestra.core.repositories.LocalFlowRepositoryLoader;

/**
 * Kestra's {@link LocalFlowRepositoryLoader} only logs a flow that fails to load (WARN "Unable to create flow
 * &lt;file&gt;", with the exception) and skips it. This appender keeps those events so the launcher can print
 * the real parse error next to its own "flow missing" failure.
 */
final class FlowLoadErrors extends AppenderBase<ILoggingEvent> {
    /** A WARN+ event of the loader: its message and the exception chain, flattened. */
    record Failure(String message, String cause) {
    }

    private final List<Failure> failures = new CopyOnWriteArrayList<>();

    static FlowLoadErrors attach() {
        Logger logger = (Logger) LoggerFactory.getLogger(LocalFlowRepositoryLoader.class);
        FlowLoadErrors appender = new FlowLoadErrors();
        appender.setContext(logger.getLoggerContext());
        appender.setName("autofix-flow-load-errors");
        appender.start();
        logger.addAppender(appender);
        return appender;
    }

    List<Failure> failures() {
        return List.copyOf(failures);
    }

    @Override
    protected void append(ILoggingEvent event) {
        if (!event.getLevel().isGreaterOrEqual(Level.WARN)) {
            return;
        }
        StringBuilder cause = new StringBuilder();
        for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
            if (!cause.isEmpty()) {
                cause.append("\n  caused by: ");
            }
            cause.append(t.getClassName()).append(": ").append(t.getMessage());
        }
        failures.add(new Failure(event.getFormattedMessage(), cause.toString()));
    }
}
