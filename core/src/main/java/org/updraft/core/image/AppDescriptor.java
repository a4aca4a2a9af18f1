package org.updraft.core.image;

import org.updraft.core.Validate;

/**
 * The ESP-IDF application descriptor {@code esp_app_desc_t} ({@code esp_app_format.h}), which IDF
 * places at offset 0x20 of an application image, the start of the first segment's data:
 * magic 0xABCD5432 (u32 LE) @+0, secure_version u32 @+4, version char[32] @+16, project_name
 * char[32] @+48, time char[16] @+80, date char[16] @+96, idf_ver char[32] @+112.
 */
public record AppDescriptor(String version, String projectName, String idfVersion, int secureVersion,
                            String date, String time) {

    /** {@code ESP_APP_DESC_MAGIC_WORD}. */
    public static final int MAGIC = 0xABCD5432;

    /** Bytes of {@code esp_app_desc_t}. */
    public static final int SIZE = 256;

    public AppDescriptor {
        Validate.notNull(version, "version");
        Validate.notNull(projectName, "projectName");
        Validate.notNull(idfVersion, "idfVersion");
        Validate.notNull(date, "date");
        Validate.notNull(time, "time");
    }
}
