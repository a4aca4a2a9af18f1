package org.updraft.cli;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongConsumer;

/** Passes bytes through and tells a listener the running total after every read (upload progress). */
final class CountingInputStream extends FilterInputStream {

    private final LongConsumer total;
    private long count;

    CountingInputStream(InputStream in, LongConsumer total) {
        super(in);
        this.total = total;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            total.accept(++count);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = in.read(buffer, offset, length);
        if (n > 0) {
            count += n;
            total.accept(count);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = super.skip(n);
        count += skipped;
        total.accept(count);
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
