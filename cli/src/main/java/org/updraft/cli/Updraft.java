package org.updraft.cli;
public final class Updraft { public static void main(String[] a) { System.out.println("updraft " + Runtime.version()); } }
