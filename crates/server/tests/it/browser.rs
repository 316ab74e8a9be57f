//! Browser tests: headless Chromium over WebDriver walks the journeys, runs axe-core on every
//! page and writes screenshots at 360 and 1280 px.
