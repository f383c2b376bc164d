<#
.SYNOPSIS
  Removes the PowerWatch Windows service and program; keeps configuration and data unless -Purge.
.EXAMPLE
  .\install\windows\uninstall.ps1
.EXAMPLE
  .\install\windows\uninstall.ps1 -Purge
#>
[CmdletBinding()]
param(
    [string]$InstallDir = (Join-Path $env:ProgramFiles 'PowerWatch'),
    [string]$ServiceName = 'PowerWatch',
    [switch]$Purge
)
$ErrorActionPreference = 'Stop'

$service = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue
if ($service) {
    if ($service.Status -ne 'Stopped') {
        Stop-Service -Name $ServiceName -Force
        $service.WaitForStatus('Stopped', [TimeSpan]::FromSeconds(60))
    }
    & sc.exe delete $ServiceName | Out-Null
}

if (Test-Path $InstallDir) { Remove-Item -Recurse -Force $InstallDir }

$dataDir = Join-Path $env:ProgramData 'PowerWatch'
if ($Purge) {
    if (Test-Path $dataDir) { Remove-Item -Recurse -Force $dataDir }
    if ([System.Diagnostics.EventLog]::SourceExists('PowerWatch')) { Remove-EventLog -Source 'PowerWatch' }
    Write-Host 'PowerWatch removed, including configuration, data and the event log source.'
} else {
    Write-Host "PowerWatch removed; kept $dataDir (use -Purge to remove it)."
}
