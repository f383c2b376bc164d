using System.Text;

namespace PowerWatch.Modbus;

/// <summary>One object of a Read Device Identification reply (43/14).</summary>
public sealed record DeviceIdObject(byte Id, byte[] Value)
{
    /// <summary>The value as text (Latin-1, one char per byte).</summary>
    public string Text => Encoding.Latin1.GetString(Value);
}

/// <summary>One reply page of 43/14 (a stream read may need several pages: <see cref="MoreFollows"/>).</summary>
public sealed record DeviceIdPage(
    DeviceIdCategory Category,
    byte ConformityLevel,
    bool MoreFollows,
    byte NextObjectId,
    IReadOnlyList<DeviceIdObject> Objects);

/// <summary>All objects collected by <see cref="IModbusClient.ReadDeviceIdentificationAsync"/>.</summary>
public sealed class DeviceIdentification
{
    public DeviceIdentification(byte conformityLevel, IReadOnlyList<DeviceIdObject> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        ConformityLevel = conformityLevel;
        Objects = objects;
    }

    /// <summary>0x01–0x03 stream access only; 0x81–0x83 individual access also supported.</summary>
    public byte ConformityLevel { get; }

    public IReadOnlyList<DeviceIdObject> Objects { get; }

    public string? VendorName => Find(0x00);

    public string? ProductCode => Find(0x01);

    public string? MajorMinorRevision => Find(0x02);

    public string? VendorUrl => Find(0x03);

    public string? ProductName => Find(0x04);

    public string? ModelName => Find(0x05);

    public string? UserApplicationName => Find(0x06);

    /// <summary>The text of object <paramref name="id"/>, or null when absent.</summary>
    public string? Find(byte id)
    {
        foreach (var o in Objects)
        {
            if (o.Id == id)
            {
                return o.Text;
            }
        }

        return null;
    }
}
