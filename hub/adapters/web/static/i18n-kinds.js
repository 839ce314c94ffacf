// The names of the incident kinds in zh-CN and English, one table for the console, the officer app and
// the reports (which add the alarm panels' kinds and shorten one English name for its columns).

export const INCIDENT_KINDS = {
  zh: {
    panic: "紧急报警",
    duress: "胁迫报警",
    intrusion: "入侵",
    tamper: "防拆",
    loitering: "徘徊",
    crowd: "人员聚集",
    line_crossing: "越线",
    device_offline: "设备离线",
    patrol_observation: "巡查发现",
  },
  en: {
    panic: "Panic alarm",
    duress: "Duress",
    intrusion: "Intrusion",
    tamper: "Tamper",
    loitering: "Loitering",
    crowd: "Crowd",
    line_crossing: "Line crossing",
    device_offline: "Device offline",
    patrol_observation: "Patrol observation",
  },
};
