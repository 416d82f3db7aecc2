using System.Runtime.InteropServices;
using System.Text;

namespace Sandbox.Harness.Guard.Internal;

/// <summary>
/// UTS #46 (IDNA compatibility processing) and NFKC case folding from the system's ICU
/// (libicuuc), because .NET's invariant globalization mode — which Sandbox runs in — maps nothing:
/// its <c>string.Normalize</c> is a no-op for non-ASCII text and its <c>IdnMapping</c> only encodes
/// punycode. A resolver or a child tool (curl, Go's net/http) applies the UTS #46 mapping, so
/// <c>vault.ⓐrcodange.lab</c> reaches <c>vault.arcodange.lab</c>; the guard must see that too.
/// When ICU is absent the guard fails closed (see <see cref="IsAvailable"/>).
/// </summary>
internal static unsafe class Uts46
{
    // unicode/uidna.h: UIDNA_NONTRANSITIONAL_TO_ASCII (the processing browsers and libidn2 use).
    private const uint NonTransitionalToAscii = 0x10;

    private static readonly Icu? Library = Icu.Load();

    /// <summary>True when the system's ICU was found; without it non-ASCII names are refused.</summary>
    public static bool IsAvailable => Library is not null;

    /// <summary>
    /// The UTS #46 ToASCII form of <paramref name="name"/> (mapped, NFKC-normalised, lower-cased,
    /// punycoded), or null when ICU is missing or the name has an IDNA error (a disallowed character).
    /// </summary>
    public static string? ToAscii(string name)
    {
        if (Library is null)
        {
            return null;
        }

        Span<char> buffer = stackalloc char[512];
        var info = new IdnaInfo { Size = (short)sizeof(IdnaInfo) };
        var error = 0;
        int length;
        fixed (char* source = name)
        fixed (char* dest = buffer)
        {
            length = Library.NameToAscii(Library.Idna, source, name.Length, dest, buffer.Length, &info, &error);
        }

        if (error > 0 || info.Errors != 0 || length <= 0 || length > buffer.Length)
        {
            return null;
        }

        return new string(buffer[..length]);
    }

    /// <summary>
    /// <paramref name="text"/> NFKC-case-folded (compatibility forms such as circled, full-width and
    /// mathematical letters become their ASCII letters); <paramref name="text"/> itself when it is
    /// ASCII; null when ICU is missing.
    /// </summary>
    public static string? Fold(string text)
    {
        if (Ascii.IsValid(text))
        {
            return text;
        }

        if (Library is null)
        {
            return null;
        }

        var capacity = (text.Length * 4) + 16;
        var buffer = new char[capacity];
        var error = 0;
        int length;
        fixed (char* source = text)
        fixed (char* dest = buffer)
        {
            length = Library.Normalize(Library.NfkcCasefold, source, text.Length, dest, capacity, &error);
        }

        return error > 0 || length < 0 || length > capacity ? null : new string(buffer, 0, length);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct IdnaInfo
    {
        public short Size;
        public byte IsTransitionalDifferent;
        public byte ReservedB3;
        public uint Errors;
        public int ReservedI2;
        public int ReservedI3;
    }

    private sealed class Icu
    {
        public required IntPtr Idna { get; init; }

        public required IntPtr NfkcCasefold { get; init; }

        public required IntPtr NameToAsciiExport { get; init; }

        public required IntPtr NormalizeExport { get; init; }

        public int NameToAscii(IntPtr idna, char* source, int length, char* dest, int capacity, IdnaInfo* info, int* error) =>
            ((delegate* unmanaged<IntPtr, char*, int, char*, int, IdnaInfo*, int*, int>)NameToAsciiExport)(idna, source, length, dest, capacity, info, error);

        public int Normalize(IntPtr normalizer, char* source, int length, char* dest, int capacity, int* error) =>
            ((delegate* unmanaged<IntPtr, char*, int, char*, int, int*, int>)NormalizeExport)(normalizer, source, length, dest, capacity, error);

        public static Icu? Load()
        {
            // ICU suffixes every symbol with its major version (uidna_openUTS46_72); try the versions in use.
            for (var version = 90; version >= 50; version--)
            {
                if (!NativeLibrary.TryLoad($"libicuuc.so.{version}", out var handle))
                {
                    continue;
                }

                if (!NativeLibrary.TryGetExport(handle, $"uidna_openUTS46_{version}", out var open)
                    || !NativeLibrary.TryGetExport(handle, $"uidna_nameToASCII_{version}", out var toAscii)
                    || !NativeLibrary.TryGetExport(handle, $"unorm2_getNFKCCasefoldInstance_{version}", out var nfkc)
                    || !NativeLibrary.TryGetExport(handle, $"unorm2_normalize_{version}", out var normalize))
                {
                    continue;
                }

                var error = 0;
                var idna = ((delegate* unmanaged<uint, int*, IntPtr>)open)(NonTransitionalToAscii, &error);
                var fold = ((delegate* unmanaged<int*, IntPtr>)nfkc)(&error);
                if (error > 0 || idna == IntPtr.Zero || fold == IntPtr.Zero)
                {
                    continue;
                }

                return new Icu
                {
                    Idna = idna,
                    NfkcCasefold = fold,
                    NameToAsciiExport = toAscii,
                    NormalizeExport = normalize,
                };
            }

            return null;
        }
    }
}
