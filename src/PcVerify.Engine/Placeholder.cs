namespace PcVerify.Engine;

/// <summary>Placeholder.</summary>
public static class Placeholder
{
}
