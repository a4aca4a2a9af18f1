/**
 * Push clients: what {@code updraft push} (and later a rollout or the fleet simulator) uses to hand
 * an image to a device's own server. {@link org.updraft.device.push.EspLinkPush} (wiflash:
 * {@code /flash/next}, {@code /flash/upload}, {@code /flash/reboot}, success when {@code /flash/next}
 * flips), {@link org.updraft.device.push.WebUpdatePush} (ESP8266HTTPUpdateServer multipart
 * {@code POST /update}, the always-200 body parsed) and {@link org.updraft.device.push.ArduinoOtaPush}
 * (espota.py: UDP invitation, MD5 challenge, TCP stream of 1460-byte chunks, {@code OK}).
 *
 * <p>They send what they are given: checking that the bytes are an image for the device is the
 * caller's job (the CLI refuses non-images before anything is sent). Failures are
 * {@link org.updraft.device.push.PushFailure}s that say whether another attempt may help: a
 * device's answer (a refusal) never is retryable, a transport failure is. The HTTP ones read
 * answers as curl does ({@code Http}): HTTP/1.0 and close-delimited bodies, and an answer that
 * arrives while the body is still being sent (esp-link refusing after the first 1024 bytes).
 * They live in {@code device} so the emulator and fleet simulator can drive receivers with them.
 */
package org.updraft.device.push;
