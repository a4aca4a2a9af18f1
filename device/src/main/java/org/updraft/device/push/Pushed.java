package org.updraft.device.push;

/**
 * A push that worked: {@code bytes} were accepted and {@code verified} says what was checked
 * afterwards, e.g. "/flash/next now answers user1.bin: the device runs user2".
 */
public record Pushed(String protocol, int bytes, String verified) {
}
