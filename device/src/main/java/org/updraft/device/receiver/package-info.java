/**
 * Push receivers: the emulated device's own servers, on loopback ports, writing into a
 * {@link org.updraft.device.boot.Board} as the firmware does (esp-link raw into the other slot,
 * the Arduino ones through the core's {@code Updater}). {@link org.updraft.device.receiver.EspLinkReceiver} (esp-link {@code cgiflash.c},
 * NONOS boards), {@link org.updraft.device.receiver.WebUpdateReceiver} (ESP8266HTTPUpdateServer) and
 * {@link org.updraft.device.receiver.ArduinoOtaReceiver} (ArduinoOTA) — the last two on Arduino
 * ({@link org.updraft.device.boot.EbootCopy}) boards, answering with the Arduino core's
 * {@code Updater} error numbers and texts.
 *
 * <p>All three are {@link org.updraft.device.receiver.PushReceiver}s; the two HTTP ones share
 * {@link org.updraft.device.receiver.HttpLink} (accept loop, request head, one request per
 * connection, close). Every receiver is started by its builder, binds 127.0.0.1 and port 0 unless
 * told otherwise, serves on virtual threads, and is closed with {@code close()}. A reboot is
 * armed when the original arms it: esp-link goes on answering from the running image until its
 * 2 s timer fires, the Arduino sketches serve nothing more; at the reset the HTTP receivers leave
 * the network for the boot time (connections refused) and come back on the same port. Each
 * receiver's class comment names its upstream reference; docs/emulator-fidelity.md lists what
 * differs from it.
 */
package org.updraft.device.receiver;
