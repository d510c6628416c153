using PcVerify.Cli;

namespace PcVerify.Tests.Cli;

/// <summary>Runs <c>pcverify</c> in process and captures its output, error and exit code.</summary>
internal static class CliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        using StringWriter o = new(), e = new();
        int code = PcVerify.Cli.Cli.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }
}
