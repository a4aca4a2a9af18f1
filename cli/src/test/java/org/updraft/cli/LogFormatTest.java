package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The server's log format (logback.xml as shipped): one event is one line, whatever a client put in
 * the values a message quotes — a device's path or header decoded to a line break cannot forge a
 * second log line.
 */
class LogFormatTest {

    static String format(String message) throws Exception {
        String xml;
        try (InputStream in = LogFormatTest.class.getResourceAsStream("/logback.xml")) {
            xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Matcher m = Pattern.compile("<pattern>(.*?)</pattern>").matcher(xml);
        assertThat(m.find()).as("logback.xml has a pattern").isTrue();
        LoggerContext context = new LoggerContext();
        PatternLayout layout = new PatternLayout();
        layout.setContext(context);
        layout.setPattern(m.group(1));
        layout.start();
        LoggingEvent event = new LoggingEvent("x", context.getLogger("org.updraft.checkin"), Level.INFO, message, null, null);
        event.setTimeStamp(0);
        return layout.doLayout(event);
    }

    @Test
    void aLineBreakInAMessageStaysOnItsLine() throws Exception {
        String line = format("nonos /u/relay\n12:00:00.000 INFO  Admin: token reset\r\nfake\rend");
        assertThat(line).endsWith("checkin: nonos /u/relay\\n12:00:00.000 INFO  Admin: token reset\\nfake\\nend" + System.lineSeparator());
        assertThat(line.strip().lines()).hasSize(1);
    }

    @Test
    void anOrdinaryMessageIsUnchanged() throws Exception {
        assertThat(format("device 18:FE:34:00:00:01 -> 304 up-to-date")).endsWith("INFO  checkin: device 18:FE:34:00:00:01 -> 304 up-to-date"
                + System.lineSeparator());
    }
}
