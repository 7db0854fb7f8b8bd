import { mount } from "svelte";
import "./app.css";
import App from "./App.svelte";

// Modules loaded and run (tests/desktop/first-paint.mjs).
performance.mark("parcours:script");

const app = mount(App, { target: document.getElementById("app")! });

export default app;
