<#
.SYNOPSIS
  Installs the PowerWatch agent as a Windows service.
.DESCRIPTION
  Publishes the agent (win-x64, self-contained, single file) unless -From names an existing build, copies it to
  -InstallDir, puts the configuration under %ProgramData%\PowerWatch (an example is copied only when absent, never
  overwritten), registers the 'PowerWatch' event log source, creates the service with automatic start and recovery
  actions (restart after 5 s, 5 s, 30 s; failure count reset after one day) and starts it unless -NoStart.
  Run from an elevated PowerShell.
.EXAMPLE
  .\install\windows\install.ps1
.EXAMPLE
  .\install\windows\install.ps1 -From C:\build\powerwatch -NoStart
#>
[CmdletBinding()]
param(
    [string]$From,
    [string]$InstallDir = (Join-Path $env:ProgramFiles 'PowerWatch'),
    [string]$ServiceName = 'PowerWatch',
    [switch]$NoStart
)
$ErrorActionPreference = 'Stop'

$principal = [Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
    throw 'install.ps1 must run elevated (Run as administrator).'
}

$repo = (Resolve-Path (Join-Path $PSScriptRoot '..\..')).Path
if (-not $From) {
    $From = Join-Path $repo 'artifacts\publish\win-x64'
    Write-Host "Publishing the agent to $From ..."
    & dotnet publish (Join-Path $repo 'agent\PowerWatch.Agent') -c Release -r win-x64 --self-contained `
        -p:PublishSingleFile=true -o $From -nologo
    if ($LASTEXITCODE -ne 0) { throw "dotnet publish failed ($LASTEXITCODE)" }
}
$exe = Join-Path $From 'powerwatch.exe'
if (-not (Test-Path $exe)) { throw "$exe not found" }

$dataDir = Join-Path $env:ProgramData 'PowerWatch'
$config = Join-Path $dataDir 'powerwatch.json'

# Stop a running instance before replacing its files.
$existing = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue
if ($existing -and $existing.Status -ne 'Stopped') {
    Stop-Service -Name $ServiceName -Force
    $existing.WaitForStatus('Stopped', [TimeSpan]::FromSeconds(60))
}

New-Item -ItemType Directory -Force -Path $InstallDir, $dataDir, (Join-Path $dataDir 'data') | Out-Null
Copy-Item -Path (Join-Path $From '*') -Destination $InstallDir -Recurse -Force

if (-not (Test-Path $config)) {
    $json = Get-Content -Raw (Join-Path $repo 'install\examples\powerwatch.json')
    $json = $json.Replace('"/var/lib/powerwatch"', ('"' + ((Join-Path $dataDir 'data') -replace '\\', '\\') + '"'))
    $json = $json.Replace('"/etc/powerwatch/ca.crt"', ('"' + ((Join-Path $dataDir 'ca.crt') -replace '\\', '\\') + '"'))
    Set-Content -Path $config -Value $json -Encoding utf8
    Write-Host "Installed example configuration $config - edit it for your site."
} else {
    Write-Host "Kept existing configuration $config."
}

# Configuration holds broker credentials: only SYSTEM and Administrators may read it.
& icacls $dataDir /inheritance:r /grant:r 'SYSTEM:(OI)(CI)F' 'Administrators:(OI)(CI)F' | Out-Null

if (-not [System.Diagnostics.EventLog]::SourceExists('PowerWatch')) {
    New-EventLog -LogName Application -Source 'PowerWatch'
}

$binPath = "`"$(Join-Path $InstallDir 'powerwatch.exe')`" run --config `"$config`""
if (-not $existing) {
    New-Service -Name $ServiceName -BinaryPathName $binPath -DisplayName 'PowerWatch agent' `
        -Description 'PowerWatch power-chain telemetry agent (UPS, generator, ATS, PDU).' -StartupType Automatic | Out-Null
} else {
    & sc.exe config $ServiceName binPath= $binPath start= auto | Out-Null
}
# Recovery: restart after 5 s, 5 s, 30 s; reset the failure count after a day; also on non-crash failures (exit code != 0).
& sc.exe failure $ServiceName reset= 86400 actions= restart/5000/restart/5000/restart/30000 | Out-Null
& sc.exe failureflag $ServiceName 1 | Out-Null
if ($LASTEXITCODE -ne 0) { throw "sc.exe failed ($LASTEXITCODE)" }

if (-not $NoStart) {
    Start-Service -Name $ServiceName
    Write-Host "Service $ServiceName started. Status: http://127.0.0.1:8480/ ; logs: Event Viewer > Application > PowerWatch."
} else {
    Write-Host "Service $ServiceName installed (not started)."
}
