using System.Globalization;
using System.Text.RegularExpressions;

namespace Sandbox.Harness.Guard;

internal sealed partial class SandboxGuard
{
    /// <summary>Linux signal names, without the <c>SIG</c> prefix (signal(7); <c>RTMIN+n</c>/<c>RTMAX-n</c> are read apart).</summary>
    private static readonly string[] SignalNames =
    [
        "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "IOT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM",
        "STKFLT", "CHLD", "CLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO",
        "POLL", "PWR", "SYS", "RTMIN", "RTMAX",
    ];

    /// <summary>chown's switches that change nothing the guard judges (GNU coreutils chown(1)): report, quiet, the root guard, links not followed, command-line links followed.</summary>
    private static readonly string[] ChownSwitches = ["--changes", "--silent", "--quiet", "--verbose", "--dereference", "--no-dereference", "--preserve-root", "--recursive"];

    private static readonly Regex OwnerSpec = new(@"^(?:[A-Za-z0-9_][A-Za-z0-9_.-]*\$?)?(?:[:.](?:[A-Za-z0-9_][A-Za-z0-9_.-]*\$?)?)?$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    /// <summary>
    /// <c>kill</c> (procps-ng kill(1), which Debian's <c>/bin/kill</c> is): one signal, in any spelling
    /// (<c>-9</c>, <c>-KILL</c>, <c>-SIGKILL</c> as the first argument; <c>-s SIG</c>, <c>--signal SIG</c>,
    /// <c>--signal=SIG</c>; a number 0–64, a name with or without <c>SIG</c>, <c>RTMIN+n</c>), then at least
    /// one target, each a pid above 0 or a process group <c>-N</c> above 1. Refused: <c>-1</c> (every
    /// process the caller may signal) and <c>0</c> (the caller's own process group, this process included),
    /// anything that is not a number (a job <c>%1</c>, a process name, which util-linux's kill would look
    /// up) and every other flag (<c>-q</c>, <c>-p</c>, <c>-a</c>, <c>--timeout</c>, <c>-l</c>, ...).
    /// </summary>
    private static void CheckKillArguments(List<string> args, int first, Action<GuardDecision, string> refuse)
    {
        var targets = 0;
        var flagsEnded = false;
        for (var i = first; i < args.Count; i++)
        {
            var arg = args[i];
            var where = $"argument {i + 1} ('{arg}')";
            if (!flagsEnded && arg == "--")
            {
                flagsEnded = true;
                continue;
            }

            if (!flagsEnded && targets == 0 && (arg is "-s" or "--signal" || arg.StartsWith("--signal=", StringComparison.Ordinal)))
            {
                var value = arg.StartsWith("--signal=", StringComparison.Ordinal) ? arg["--signal=".Length..] : i + 1 < args.Count ? args[++i] : null;
                if (value is null || !IsSignal(value))
                {
                    refuse(GuardDecision.Block(arg, GuardRules.UnknownArgument, $"kill takes a signal after {arg}: a number 0-64 or a name (TERM, SIGKILL, RTMIN+1); '{value}' is neither."), where);
                }

                continue;
            }

            if (!flagsEnded && i == first && arg.Length > 1 && arg[0] == '-' && IsSignal(arg[1..]))
            {
                // -9, -KILL, -SIGKILL: the signal, only as the first argument (later, -N is a process group).
                continue;
            }

            if (!IsKillTarget(arg, out var detail))
            {
                var rule = arg.StartsWith("--", StringComparison.Ordinal) || (arg.StartsWith('-') && !arg[1..].All(char.IsAsciiDigit)) ? GuardRules.UnknownArgument : GuardRules.KillTarget;
                refuse(GuardDecision.Block(arg, rule, detail), where);
            }

            targets++;
        }

        if (targets == 0)
        {
            refuse(GuardDecision.Block("kill", GuardRules.KillTarget, "kill is started with at least one pid: 'kill -s SIGNAL PID'."), "the arguments");
        }
    }

    private static bool IsKillTarget(string arg, out string detail)
    {
        var group = arg.StartsWith('-');
        var digits = group ? arg[1..] : arg;
        if (digits.Length == 0 || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            detail = arg.StartsWith('%')
                ? $"'{arg}' is a shell job, not a process: kill signals pids only."
                : $"'{arg}' is not a pid or a process group (-N): kill signals numbered processes only, never one found by name.";
            return false;
        }

        if (n == 0 || (group && n == 1))
        {
            detail = n == 0
                ? "Pid 0 is the caller's own process group (this process among them): kill signals a recorded pid only."
                : "Pid -1 is every process the caller may signal: kill signals a recorded pid only.";
            return false;
        }

        detail = string.Empty;
        return true;
    }

    private static bool IsSignal(string value)
    {
        if (value.Length > 0 && value.All(char.IsAsciiDigit))
        {
            return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= 64;
        }

        var name = value.ToUpperInvariant();
        if (name.StartsWith("SIG", StringComparison.Ordinal))
        {
            name = name[3..];
        }

        foreach (var rt in new[] { "RTMIN+", "RTMAX-" })
        {
            if (name.StartsWith(rt, StringComparison.Ordinal))
            {
                return int.TryParse(name[rt.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var k) && k <= 30;
            }
        }

        return Array.IndexOf(SignalNames, name) >= 0;
    }

    /// <summary>
    /// <c>chown</c> (GNU coreutils chown(1)): <c>[OPTION]... OWNER[:GROUP] FILE...</c> or
    /// <c>[OPTION]... --reference=RFILE FILE...</c>. Every FILE passes the file guard; with <c>-R</c>, so
    /// does everything under it (a folder that holds a denylisted file, <c>/</c> among them, is refused).
    /// <c>--reference</c>'s file passes the file guard too. Refused: <c>--no-preserve-root</c>, <c>-L</c>
    /// (with -R it follows every link to a folder, out of the tree the guard judged), an owner that is not
    /// <c>[OWNER][:[GROUP]]</c>, and every flag chown does not have.
    /// </summary>
    private void CheckChownArguments(List<string> args, int first, Action<GuardDecision, string> refuse)
    {
        var recursive = false;
        var operands = new List<(string Value, string Where)>();
        string? reference = null;
        var flagsEnded = false;
        for (var i = first; i < args.Count; i++)
        {
            var arg = args[i];
            var where = $"argument {i + 1} ('{arg}')";
            if (flagsEnded || !arg.StartsWith('-') || arg == "-")
            {
                operands.Add((arg, where));
                continue;
            }

            if (arg == "--")
            {
                flagsEnded = true;
                continue;
            }

            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                var eq = arg.IndexOf('=', StringComparison.Ordinal);
                var name = eq > 0 ? arg[..eq] : arg;
                if (name == "--reference")
                {
                    reference = eq > 0 ? arg[(eq + 1)..] : i + 1 < args.Count ? args[++i] : null;
                    if (string.IsNullOrEmpty(reference))
                    {
                        refuse(GuardDecision.Block(arg, GuardRules.UnknownArgument, "--reference takes a file."), where);
                    }

                    var decision = CheckChildFile(reference!);
                    if (!decision.Allowed)
                    {
                        refuse(decision, where);
                    }
                }
                else if (name == "--from" && eq > 0 && OwnerSpec.IsMatch(arg[(eq + 1)..]))
                {
                    // --from=OWNER:GROUP only narrows what changes.
                }
                else if (name == "--no-preserve-root")
                {
                    refuse(GuardDecision.Block(arg, GuardRules.RefusedFlag, "--no-preserve-root would let -R change '/' itself."), where);
                }
                else if (eq < 0 && Array.IndexOf(ChownSwitches, name) >= 0)
                {
                    recursive |= name == "--recursive";
                }
                else
                {
                    refuse(GuardDecision.Block(arg, GuardRules.UnknownArgument, $"'{name}' is not a chown flag the sandbox passes."), where);
                }

                continue;
            }

            // Clustered short switches: -R, -Rh, -cfv, ...
            foreach (var c in arg.AsSpan(1))
            {
                if (c == 'L')
                {
                    refuse(GuardDecision.Block(arg, GuardRules.RefusedFlag, "-L makes chown -R follow every link to a folder, out of the tree the guard judged."), where);
                }
                else if (c is not ('R' or 'h' or 'c' or 'f' or 'v' or 'H' or 'P'))
                {
                    refuse(GuardDecision.Block(arg, GuardRules.UnknownArgument, $"'-{c}' is not a chown flag the sandbox passes."), where);
                }

                recursive |= c == 'R';
            }
        }

        var files = operands;
        if (reference is null)
        {
            if (operands.Count == 0 || !OwnerSpec.IsMatch(operands[0].Value) || operands[0].Value.Length == 0)
            {
                var (value, where) = operands.Count == 0 ? ("chown", "the arguments") : operands[0];
                refuse(GuardDecision.Block(value, GuardRules.InvalidTarget, "chown is started as 'chown [-R] OWNER[:GROUP] FILE...': the first operand is the owner."), where);
            }

            files = operands.Skip(1).ToList();
        }

        if (files.Count == 0)
        {
            refuse(GuardDecision.Block("chown", GuardRules.InvalidTarget, "chown is started with at least one file."), "the arguments");
        }

        foreach (var (file, where) in files)
        {
            var decision = recursive ? CheckChildFile(file) : CheckFileCore(file);
            if (!decision.Allowed)
            {
                refuse(decision, recursive ? $"{where}, changed recursively" : where);
            }
        }
    }
}
