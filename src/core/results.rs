//! How a finished query's answer is presented: which of the returned
//! parameters are the command's outputs. The facade shapes results with
//! the rule generated from here (rows themselves are decoded by the host).

use super::command::ParameterDirection;

/// Whether a returned parameter of `direction` carries a value the command
/// produced (`output`, `inputOutput`, `returnValue`), so it belongs in
/// `outputParameters`; `input` parameters only echo what was sent.
pub fn is_output(direction: ParameterDirection) -> bool {
    direction != ParameterDirection::Input
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_direction_but_input_is_an_output() {
        let outputs: Vec<&str> = ParameterDirection::ALL
            .iter()
            .filter(|d| is_output(**d))
            .map(|d| d.as_str())
            .collect();
        assert_eq!(outputs, ["output", "inputOutput", "returnValue"]);
    }
}
