/**
 * Push receivers: the emulated device's own servers, on loopback ports, writing into a
 * {@link org.updraft.device.boot.Board} through its {@link org.updraft.device.boot.Updater} as the
 * firmware does. {@link org.updraft.device.receiver.EspLinkReceiver} (esp-link {@code cgiflash.c},
 * NONOS boards), {@link org.updraft.device.receiver.WebUpdateReceiver} (ESP8266HTTPUpdateServer) and
 * {@link org.updraft.device.receiver.ArduinoOtaReceiver} (ArduinoOTA) — the last two on Arduino
 * ({@link org.updraft.device.boot.EbootCopy}) boards, answering with the Arduino core's
 * {@code Updater} error numbers and texts.
 *
 * <p>Every receiver is started by its builder, binds 127.0.0.1 and port 0 unless told otherwise,
 * serves on virtual threads, and is closed with {@code close()}. A reboot ("the device is away")
 * is modelled by holding back every request until {@link org.updraft.device.boot.Board#reset()}
 * has run, so a client that asks again after the reboot delay talks to the new image.
 * The reboot delays of the originals (esp-link 2 s, ArduinoOTA about 1 s) are builder settings;
 * tests set them to zero.
 */
package org.updraft.device.receiver;
