/**
 * Signatures: keys, Arduino ESP8266 signed images, Ed25519 release manifests. JDK cryptography only.
 *
 * <ul>
 *   <li>{@link org.updraft.core.sign.KeyAlgorithm}: RSA-2048 (the one stock ESP8266 cores verify),
 *       ECDSA P-256, Ed25519; {@code generate()}.</li>
 *   <li>{@link org.updraft.core.sign.SigningKey} / {@link org.updraft.core.sign.VerifyingKey}: PEM
 *       key files as OpenSSL and Arduino's {@code tools/signing.py} use them ({@code private.key},
 *       {@code public.key}); fingerprints "SHA256:…".</li>
 *   <li>{@link org.updraft.core.sign.ArduinoSignature}: {@code image || sig || u32le(len(sig))},
 *       signed like {@code signing.py}, verified like {@code Updater.cpp}.</li>
 *   <li>{@link org.updraft.core.sign.ReleaseManifest}: canonical, Ed25519-signed release manifests.</li>
 *   <li>{@link org.updraft.core.sign.Verification}: Valid(keyFingerprint, algorithm) | Invalid(reason).</li>
 * </ul>
 */
package org.updraft.core.sign;
