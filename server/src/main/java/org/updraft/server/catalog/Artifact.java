package org.updraft.server.catalog;

import java.time.Instant;

/**
 * A validated, stored image. Immutable and content-addressed.
 *
 * @param md5          MD5 of the bytes served (the x-MD5 header)
 * @param installedMd5 MD5 of what sits in flash once installed: no signature trailer, not
 *                     gzip-compressed. ESP8266httpUpdate reports it as x-ESP8266-sketch-md5.
 * @param installedSha256 what ESP32 HTTPUpdate reports as x-ESP32-sketch-sha256: the SHA-256 an
 *                     ESP32 image carries appended (esp_partition_get_sha256 returns it), else
 *                     the SHA-256 of the bytes
 */
public record Artifact(String sha256, String md5, String installedMd5, String installedSha256, long size, String format,
                       String chip, String appVersion, Instant createdAt) {
}
