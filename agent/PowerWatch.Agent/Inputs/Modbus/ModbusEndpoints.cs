using PowerWatch.Agent.Configuration;
using PowerWatch.Modbus;
using PowerWatch.Serial;

namespace PowerWatch.Agent.Inputs.Modbus;

/// <summary>Builds the one Modbus client an endpoint's devices share.</summary>
internal static class ModbusEndpoints
{
    public static IModbusClient CreateClient(DeviceEndpoint endpoint, SerialLineOptions serial, ModbusClientOptions options) => endpoint.Kind switch
    {
        EndpointKind.Tcp => new ModbusTcpClient(endpoint.Host, endpoint.Port, options),
        EndpointKind.RtuOverTcp => new ModbusRtuOverTcpClient(endpoint.Host, endpoint.Port, options),
        EndpointKind.Serial => new ReopeningSerialModbusClient(serial.ToPortSettings(endpoint.Path), options with { InterFrameGap = serial.InterFrameGap ?? options.InterFrameGap }),
        _ => throw new ArgumentException($"endpoint {endpoint} is not a Modbus endpoint", nameof(endpoint)),
    };

    public static ModbusSerialLine Line(SerialPortSettings s) => new(
        s.BaudRate,
        s.DataBits,
        s.Parity switch
        {
            Parity.Even => ModbusParity.Even,
            Parity.Odd => ModbusParity.Odd,
            Parity.Mark => ModbusParity.Mark,
            Parity.Space => ModbusParity.Space,
            _ => ModbusParity.None,
        },
        s.StopBits == StopBits.Two ? ModbusStopBits.Two : ModbusStopBits.One);
}

/// <summary>
/// A Modbus RTU client on a local serial port that opens the port on first use and re-opens it after the port
/// failed (USB adapter unplugged, device node gone), so a missing bus is a failing device, not a dead agent.
/// </summary>
internal sealed class ReopeningSerialModbusClient : IModbusClient
{
    private readonly SerialPortSettings _settings;
    private readonly ModbusClientOptions _options;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ISerialPort? _port;
    private ModbusRtuClient? _client;

    public ReopeningSerialModbusClient(SerialPortSettings settings, ModbusClientOptions options)
    {
        _settings = settings;
        _options = options;
    }

    public ValueTask<bool[]> ReadCoilsAsync(byte unitId, ushort start, ushort count, CancellationToken ct = default) =>
        UseAsync(c => c.ReadCoilsAsync(unitId, start, count, ct), ct);

    public ValueTask<bool[]> ReadDiscreteInputsAsync(byte unitId, ushort start, ushort count, CancellationToken ct = default) =>
        UseAsync(c => c.ReadDiscreteInputsAsync(unitId, start, count, ct), ct);

    public ValueTask<ushort[]> ReadHoldingRegistersAsync(byte unitId, ushort start, ushort count, CancellationToken ct = default) =>
        UseAsync(c => c.ReadHoldingRegistersAsync(unitId, start, count, ct), ct);

    public ValueTask<ushort[]> ReadInputRegistersAsync(byte unitId, ushort start, ushort count, CancellationToken ct = default) =>
        UseAsync(c => c.ReadInputRegistersAsync(unitId, start, count, ct), ct);

    public ValueTask ReadHoldingRegistersAsync(byte unitId, ushort start, Memory<ushort> destination, CancellationToken ct = default) =>
        UseAsync(c => c.ReadHoldingRegistersAsync(unitId, start, destination, ct), ct);

    public ValueTask ReadInputRegistersAsync(byte unitId, ushort start, Memory<ushort> destination, CancellationToken ct = default) =>
        UseAsync(c => c.ReadInputRegistersAsync(unitId, start, destination, ct), ct);

    public ValueTask WriteSingleCoilAsync(byte unitId, ushort address, bool value, CancellationToken ct = default) =>
        UseAsync(c => c.WriteSingleCoilAsync(unitId, address, value, ct), ct);

    public ValueTask WriteSingleRegisterAsync(byte unitId, ushort address, ushort value, CancellationToken ct = default) =>
        UseAsync(c => c.WriteSingleRegisterAsync(unitId, address, value, ct), ct);

    public ValueTask WriteMultipleCoilsAsync(byte unitId, ushort start, ReadOnlyMemory<bool> values, CancellationToken ct = default) =>
        UseAsync(c => c.WriteMultipleCoilsAsync(unitId, start, values, ct), ct);

    public ValueTask WriteMultipleRegistersAsync(byte unitId, ushort start, ReadOnlyMemory<ushort> values, CancellationToken ct = default) =>
        UseAsync(c => c.WriteMultipleRegistersAsync(unitId, start, values, ct), ct);

    public ValueTask<ushort[]> ReadWriteMultipleRegistersAsync(byte unitId, ushort readStart, ushort readCount, ushort writeStart, ReadOnlyMemory<ushort> values, CancellationToken ct = default) =>
        UseAsync(c => c.ReadWriteMultipleRegistersAsync(unitId, readStart, readCount, writeStart, values, ct), ct);

    public ValueTask<DeviceIdentification> ReadDeviceIdentificationAsync(byte unitId, DeviceIdCategory category = DeviceIdCategory.Basic, byte objectId = 0, CancellationToken ct = default) =>
        UseAsync(c => c.ReadDeviceIdentificationAsync(unitId, category, objectId, ct), ct);

    private async ValueTask UseAsync(Func<ModbusRtuClient, ValueTask> call, CancellationToken ct) =>
        await UseAsync(
            async c =>
            {
                await call(c);
                return true;
            },
            ct);

    private async ValueTask<T> UseAsync<T>(Func<ModbusRtuClient, ValueTask<T>> call, CancellationToken ct)
    {
        ModbusRtuClient client;
        await _gate.WaitAsync(ct);
        try
        {
            if (_client is null)
            {
                try
                {
                    _port = SerialPort.Open(_settings);
                }
                catch (SerialPortException ex)
                {
                    throw new ModbusConnectionException($"cannot open serial port {_settings.PortName}: {ex.Message}", ex);
                }

                _client = new ModbusRtuClient(_port.Stream, ModbusEndpoints.Line(_settings), _options, leaveOpen: true);
            }

            client = _client;
        }
        finally
        {
            _gate.Release();
        }

        try
        {
            return await call(client);
        }
        catch (Exception ex) when (ex is IOException or ModbusConnectionException or ObjectDisposedException)
        {
            await DropAsync();
            throw;
        }
    }

    private async Task DropAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_client is not null)
            {
                await _client.DisposeAsync();
            }

            if (_port is not null)
            {
                await _port.DisposeAsync();
            }

            _client = null;
            _port = null;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await DropAsync();
        _gate.Dispose();
    }
}
