/*
 * 「绩效自评」WPS 加载项的功能区回调（ribbon.xml 的 onLoad / onAction 指向 window.ribbon）。
 * 按键的工作都在 js/press.js；本文件只把按钮接到它上面：计算得分、导出报送、生成报告、关于。
 * config.js（jixiao wps install 生成）给出计算引擎的端口、本机安装口令和启动引擎的命令。
 */
(function () {
  "use strict";

  function app() {
    return window.Application;
  }

  function config() {
    return window.JIXIAO_CONFIG || {};
  }

  function startEngine() {
    var settings = config();
    if (!settings.command) {
      throw new Error("加载项没有记录计算引擎的启动命令：请运行 jixiao wps install 重新安装。");
    }
    // Fire and forget: jixiao serve stops itself when idle.
    app().OAAssist.ShellExecute(settings.command, settings.args || "");
  }

  var ui = {
    alert: function (text, title) { alert((title ? title + "\n\n" : "") + text); },
    confirm: function (text, title) { return !!confirm((title ? title + "\n\n" : "") + text); },
    open: function (path) { app().Workbooks.Open(path); }
  };

  var inPage = null; // the in-page engine (js/pyodide_engine.js): booted once, kept for every press

  function pressInPage(action, settings) {
    var host = { name: "wps", version: String(app().Build || ""), files: false }; // the page reads and writes no file
    if (action === "export" || action === "report") { // files beside the workbook: not from the page (the workbook is not saved either)
      var plan = window.JixiaoPress.fileActionPlan({ action: action });
      ui.alert(plan.message.text, plan.message.title);
      return Promise.resolve(plan);
    }
    inPage = inPage || window.JixiaoPress.pyodideTransport(settings.pyodide || {});
    window.ribbon.engine = inPage;
    return window.JixiaoPress.pressButton(app(), action, inPage, ui, host);
  }

  function press(action) {
    var settings = config();
    if (settings.engine === "pyodide") return pressInPage(action, settings);
    if (!settings.token) {
      ui.alert("加载项没有安装口令（这是 jixiao wps build 生成的未安装副本）。请运行 jixiao wps install 安装后重启 WPS。", "绩效自评");
      return Promise.resolve(null);
    }
    var transport = window.JixiaoPress.httpTransport(settings, window.fetch.bind(window), startEngine);
    return window.JixiaoPress.pressButton(app(), action, transport, ui, { name: "wps", version: String(app().Build || "") });
  }

  window.ribbon = {
    OnAddinLoad: function (ribbonUI) {
      if (typeof app().ribbonUI !== "object") app().ribbonUI = ribbonUI;
      return true;
    },
    OnAction: function (control) {
      var action = control.Tag || String(control.Id || "").replace(/^jx_/, "");
      window.ribbon.lastPress = press(action); // the press runs on; kept for whoever waits on it (tests)
      return true;
    },
    OnGetEnabled: function () {
      return true;
    }
  };
})();
