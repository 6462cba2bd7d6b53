// adapters/auth/static_jwt_authenticator.cpp — see static_jwt_authenticator.hpp.
#include "adapters/auth/static_jwt_authenticator.hpp"

namespace so::adapters::auth {

namespace {

class static_jwt_authenticator final : public authenticator {
 public:
  static_jwt_authenticator(std::string label, verification_key key, jwt_rules rules,
                           protocol::clock_ptr clock)
      : label_(std::move(label)),
        key_(std::move(key)),
        rules_(std::move(rules)),
        clock_(std::move(clock)) {}

  std::string label() const override { return label_; }
  bool single_user() const override { return false; }
  void authenticate(std::string credential, std::function<void(auth_result)> done) const override {
    done(verify_jwt(credential, key_, rules_, clock_->now()));
  }

 private:
  std::string label_;
  verification_key key_;
  jwt_rules rules_;
  protocol::clock_ptr clock_;
};

}  // namespace

authenticator_ptr make_static_jwt_authenticator(std::string label, verification_key key,
                                                jwt_rules rules, protocol::clock_ptr clock) {
  if (!clock) clock = std::make_shared<protocol::system_clock>();
  return std::make_shared<static_jwt_authenticator>(std::move(label), std::move(key),
                                                    std::move(rules), std::move(clock));
}

}  // namespace so::adapters::auth
