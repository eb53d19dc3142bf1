// One engine call in progress: the definition, the state being changed and the output being
// built. engine.cpp routes messages, events and action results; engine_flow.cpp runs flows.
#pragma once

#include "model.hpp"

#include <parley/assistant/dialog.hpp>

#include <spdlog/logger.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace parley::assistant::detail {

class session {
 public:
  session(const options& opts, core::random_source& random, const core::clock& clock, const model& m,
          dialog_state state, std::string_view conversation_id);

  void on_message(const incoming& in);
  void on_welcome_trigger();
  void on_result(const action_result& result);
  turn_result finish() { return std::move(out_); }

  /// Brings `state` in line with the model (another version, a vanished flow, step or intent);
  /// returns the reason it had to change something, or null.
  static const char* sanitise(const model& m, dialog_state& state);

 private:
  // engine.cpp
  void route(std::string_view input, std::optional<std::size_t> chosen);
  void run_intent_checked(std::size_t intent, double score);
  void run_intent(std::size_t intent);
  void miss();
  void offer_choice(std::size_t a, std::size_t b);
  [[nodiscard]] bool is_cancel(std::string_view input) const;

  // engine_flow.cpp
  void start_flow(std::size_t flow);
  void run_steps();
  void advance();
  void end_flow();
  void on_flow_input(std::string_view input, std::optional<std::size_t> chosen);
  void prompt(const step_def& step, bool again);
  void resume_step(const step_def& step, const action_result& result);
  void login_expired(std::size_t intent);
  [[nodiscard]] std::optional<std::size_t> flow_intent() const;
  void emit(action a, std::string login_intent);
  [[nodiscard]] const flow_def* active_flow() const;
  [[nodiscard]] const step_def* current_step() const;

  // Rendering.
  void say(const say_spec& spec, input_hint hint = input_hint::none, bool expects_secret = false,
           std::vector<suggested_action> extra_buttons = {});
  [[nodiscard]] std::string render(const say_spec& spec);
  [[nodiscard]] std::string cut(std::string value) const;

  const options& opts_;
  core::random_source& random_;
  const core::clock& clock_;
  const model& m_;
  turn_result out_;
  dialog_state& st_;
  std::string conversation_;
  std::string text_;  // this turn's input, for {text}
  std::string locale_;
  std::optional<std::chrono::minutes> utc_offset_;
  bool logged_in_ = false;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace parley::assistant::detail
