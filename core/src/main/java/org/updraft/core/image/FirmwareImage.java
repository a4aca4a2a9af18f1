package org.updraft.core.image;

import org.updraft.core.chip.Chip;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import org.updraft.core.Validate;

/**
 * A parsed and fully validated firmware image. {@link #parse(byte[])} never returns an image whose
 * checksum, CRC or hash is wrong; those throw {@link InvalidImageException}.
 *
 * <p>For {@link ImageFormat#ARDUINO_ESP8266} the header fields and segments are the app's (the image
 * at 0x1000), with file offsets counted from the start of the whole file. For gzip input the offsets
 * are into the decompressed image while {@link #length()} is the compressed length as given.
 *
 * @param format container format
 * @param chip target chip
 * @param gzipped whether the input was gzip-compressed (Arduino ESP8266 eboot decompresses it)
 * @param flashMode header byte 2
 * @param flashSizeCode high nibble of header byte 3
 * @param flashSizeBytes the size code in bytes (see {@link ImageSizes})
 * @param flashFrequencyMHz low nibble of header byte 3, in MHz
 * @param entryPoint header bytes 4..7
 * @param segments every segment, in file order (v2: the irom0 segment first, load address 0)
 * @param checksum the stored XOR checksum byte
 * @param checksumValid always true for a parsed image; kept so callers can print it
 * @param sha256Appended ESP32 {@code hash_appended == 1} (the digest was verified)
 * @param app the ESP-IDF {@code esp_app_desc_t}, if the image has one
 * @param signature the signature appended after the image, if any
 * @param iromLinkAddress v2 images: the address irom0 was linked at, inferred (see
 *     {@link #inferIromLinkBase(byte[], int, int)}); empty otherwise or when undecidable
 * @param length total byte length of the input as given
 */
public record FirmwareImage(ImageFormat format, Chip chip, boolean gzipped, FlashMode flashMode,
                            int flashSizeCode, long flashSizeBytes, int flashFrequencyMHz,
                            long entryPoint, List<Segment> segments, int checksum,
                            boolean checksumValid, boolean sha256Appended, Optional<AppDescriptor> app,
                            Optional<SignatureTrailer> signature, OptionalLong iromLinkAddress,
                            int length) {

    /** The largest input and the largest decompressed image accepted: 16 MiB. */
    public static final int MAX_IMAGE_BYTES = 16 * 1024 * 1024;

    public FirmwareImage {
        Validate.notNull(format, "format");
        Validate.notNull(chip, "chip");
        Validate.notNull(flashMode, "flashMode");
        segments = List.copyOf(Validate.notNull(segments, "segments"));
        Validate.notNull(app, "app");
        Validate.notNull(signature, "signature");
        Validate.notNull(iromLinkAddress, "iromLinkAddress");
        Validate.notNegative(length, "length");
    }

    /** Parses and validates {@code bytes}; see {@link InvalidImageException.Problem} for failures. */
    public static FirmwareImage parse(byte[] bytes) throws InvalidImageException {
        return ImageParser.parse(Validate.notNull(bytes, "bytes"));
    }

    /** Reads and parses a file; refuses files larger than {@link #MAX_IMAGE_BYTES} before reading. */
    public static FirmwareImage parse(Path file) throws IOException, InvalidImageException {
        long size = Files.size(Validate.notNull(file, "file"));
        if (size > MAX_IMAGE_BYTES) {
            throw new InvalidImageException(InvalidImageException.Problem.UNSUPPORTED,
                    "too large: " + file + " is " + size + " bytes; the limit is "
                            + MAX_IMAGE_BYTES + " bytes (16 MiB, the largest ESP flash mapping)");
        }
        return parse(Files.readAllBytes(file));
    }

    /**
     * Infers the link base of a v2 irom0 segment from the absolute pointers in its literal pools
     * (see {@code IromLinkBase}): one of 0x40201010, 0x40241010, 0x40281010, 0x40301010, or empty.
     */
    public static OptionalLong inferIromLinkBase(byte[] bytes, int offset, int length) {
        Validate.isTrue(offset >= 0 && length >= 0 && offset + length <= bytes.length,
                "range [" + offset + ", " + offset + "+" + length + ") is outside the "
                        + bytes.length + "-byte array");
        return IromLinkBase.infer(bytes, offset, length);
    }

    /** The sum of all segment data lengths. */
    public long totalSegmentBytes() {
        long sum = 0;
        for (Segment s : segments) {
            sum += s.length();
        }
        return sum;
    }

    /** The app version: ESP-IDF {@code esp_app_desc_t.version} if present. */
    public Optional<String> appVersion() {
        return app.map(AppDescriptor::version);
    }

    /** Multi-line human summary, as printed by {@code updraft inspect}. */
    public String describe() {
        StringBuilder out = new StringBuilder();
        line(out, "format", format.description() + (gzipped ? ", gzip-compressed" : ""));
        line(out, "chip", chip.displayName());
        line(out, "length", length + " bytes" + (gzipped ? " (compressed)" : ""));
        line(out, "flash", flashMode + ", " + ImageSizes.human(flashSizeBytes) + " (size code "
                + flashSizeCode + "), " + flashFrequencyMHz + " MHz");
        line(out, "entry", hex8(entryPoint));
        line(out, "segments", String.valueOf(segments.size()));
        for (int i = 0; i < segments.size(); i++) {
            Segment s = segments.get(i);
            String note = format == ImageFormat.ESP8266_V2 && i == 0
                    ? "  irom0" + (iromLinkAddress.isPresent()
                            ? ", linked at " + hex8(iromLinkAddress.getAsLong()) : ", link address unknown")
                    : "";
            out.append(String.format(Locale.ROOT, "  %2d  load %s  offset 0x%06x  %8d bytes%s%n",
                    i, hex8(s.loadAddress()), s.fileOffset(), s.length(), note));
        }
        line(out, "checksum", String.format(Locale.ROOT, "0x%02x %s", checksum,
                checksumValid ? "OK" : "MISMATCH"));
        if (sha256Appended) {
            line(out, "sha256", "appended, OK");
        }
        app.ifPresent(a -> {
            line(out, "app", a.projectName() + " " + a.version());
            line(out, "idf", a.idfVersion() + ", built " + a.date() + " " + a.time()
                    + ", secure_version " + a.secureVersion());
        });
        signature.ifPresent(s -> line(out, "signature", s.signatureLength()
                + " bytes, covering the first " + s.signedLength() + " bytes"));
        return out.toString();
    }

    private static void line(StringBuilder out, String key, String value) {
        out.append(String.format(Locale.ROOT, "%-10s%s%n", key, value));
    }

    static String hex8(long value) {
        return String.format(Locale.ROOT, "0x%08x", value);
    }
}
