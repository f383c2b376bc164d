namespace PowerWatch.SerialUps.ApcSmart;

/// <summary>Unsolicited APC Smart alert characters (SPEC §6; AU-DOC, NUT-AS <c>alert_handler</c>). Values are the wire bytes.</summary>
public enum ApcSmartAlert
{
    /// <summary><c>!</c> line fail, on battery (repeats every 30 s until low battery).</summary>
    LineFail = '!',

    /// <summary><c>$</c> back on line.</summary>
    BackOnLine = '$',

    /// <summary><c>%</c> low battery.</summary>
    LowBattery = '%',

    /// <summary><c>+</c> low battery cleared.</summary>
    LowBatteryCleared = '+',

    /// <summary><c>?</c> abnormal condition (overload, low-battery shutdown); NUT sets OVER.</summary>
    Abnormal = '?',

    /// <summary><c>=</c> abnormal condition cleared; NUT clears OVER.</summary>
    AbnormalCleared = '=',

    /// <summary><c>*</c> about to turn off the load; no commands after this.</summary>
    TurningOff = '*',

    /// <summary><c>#</c> replace battery (repeats every 5 h).</summary>
    ReplaceBattery = '#',

    /// <summary><c>&amp;</c> Measure-UPS alarm.</summary>
    MeasureUpsAlarm = '&',

    /// <summary><c>|</c> an EEPROM variable changed.</summary>
    EepromChanged = '|',
}
