package org.updraft.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.updraft.core.image.FirmwareImage;
import org.updraft.core.image.InvalidImageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code updraft inspect FILE…}: what each file is as an ESP image, or exactly why it is not one. Offline. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Show what firmware images are, or exactly why they are not valid images (offline).",
                "Prints chip, format, segments, flash mode/size/frequency, entry, checksums and app version.",
                "Exit 1 if any file is not a valid image."})
final class InspectCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Image files (.bin, .bin.gz).")
    List<Path> files;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        boolean allValid = true;
        for (int i = 0; i < files.size(); i++) {
            Path file = files.get(i);
            if (files.size() > 1 && i > 0) {
                out.println();
            }
            try {
                FirmwareImage image = parse(file);
                if (files.size() > 1) {
                    out.println(file + ":");
                }
                out.println(image.describe().stripTrailing());
                if (SampleCommand.isSample(Files.readAllBytes(file))) {
                    out.println("sample    made by updraft sample (" + SampleCommand.MARKER + "): valid, not executable");
                }
            } catch (InvalidImageException e) {
                out.println(file + ": not a valid image: " + e.getMessage());
                allValid = false;
            } catch (CommandFailure e) {
                out.println(file + ": " + e.getMessage());
                allValid = false;
            } catch (IOException e) {
                out.println(file + ": cannot read: " + e.getMessage());
                allValid = false;
            }
        }
        out.flush();
        return allValid ? 0 : Updraft.FAILED;
    }

    /** The file as an image; a CommandFailure says why it cannot be read, InvalidImageException why it is not one. */
    static FirmwareImage parse(Path file) throws InvalidImageException {
        if (Files.isDirectory(file)) {
            throw new CommandFailure("is a directory, expected an image file");
        }
        try {
            return FirmwareImage.parse(file);
        } catch (NoSuchFileException e) {
            throw new CommandFailure("no such file");
        } catch (AccessDeniedException e) {
            throw new CommandFailure("permission denied");
        } catch (IOException e) {
            throw new CommandFailure("cannot read: " + e.getMessage());
        }
    }
}
