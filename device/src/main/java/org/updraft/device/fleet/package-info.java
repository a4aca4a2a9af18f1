/**
 * The fleet simulator (docs/rollouts.md, "Fleet simulator"): thousands of emulated devices on
 * threads against a real Updraft server, over HTTP only, on a scaled clock, through a
 * loopback link that drops, stalls and throttles transfers; a live view per wave and a report.
 *
 * <p>The package never imports the server: it drives the management API like an operator and the
 * device endpoints like hardware.
 */
package org.updraft.device.fleet;
