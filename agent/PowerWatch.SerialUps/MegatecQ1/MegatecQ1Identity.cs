namespace PowerWatch.SerialUps.MegatecQ1;

/// <summary>The I reply (SPEC-DEVICES §5): company (15), model (10), firmware version (10), trimmed.</summary>
public sealed record MegatecQ1Identity(string Manufacturer, string Model, string Firmware);
