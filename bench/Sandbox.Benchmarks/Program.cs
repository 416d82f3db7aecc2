using BenchmarkDotNet.Running;
using Sandbox.Benchmarks;

// Non-BenchmarkDotNet measurements are named verbs; everything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "guard-interleaved")
{
    return await GuardOverheadInterleaved.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
