// Sentinel officer app's service worker. It only shows dispatch notifications: phone browsers do
// not let a page call `new Notification()`, only a service worker's registration. No caching, no
// fetch handler: the app is always live from the hub. A tap on a notification opens the app.
"use strict";

const APP_PATH = "/officer";

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const client of windows) {
        if (new URL(client.url).pathname === APP_PATH && "focus" in client) return client.focus();
      }
      return self.clients.openWindow ? self.clients.openWindow(APP_PATH) : undefined;
    })
  );
});
